// Pods: a controller's pods are rebuilt from its template; a bare pod is placed again by the
// scheduler and gets its token volume again at admission. Of a pod's spec only images (and a few
// scheduling details) may change in place.
import type { KubeObject } from '../kube/client.ts';
import { controllerOf, deleteKeys, same, type KindRule } from './rule.ts';

const mutable = (o: KubeObject) => {
  const s = structuredClone((o.spec ?? {}) as Record<string, any>);
  for (const c of [...(s.containers ?? []), ...(s.initContainers ?? [])]) delete c.image;
  delete s.nodeName;
  delete s.activeDeadlineSeconds;
  delete s.tolerations;
  return s;
};

export const pods: KindRule = {
  appliesTo: ['pods'],
  phase: 'workloads',
  generated(obj) {
    const c = controllerOf(obj);
    return c ? `owned by ${c.kind} ${c.name}: rebuilt from its template` : undefined;
  },
  clean(obj, _ctx, changes) {
    const spec = obj.spec as Record<string, any> | undefined;
    if (spec?.nodeName) deleteKeys(spec, ['nodeName'], 'spec.', changes, 'the scheduler places the pod again');
    const tokenVolumes = ((spec?.volumes ?? []) as { name: string }[]).filter((v) => v.name.startsWith('kube-api-access-')).map((v) => v.name);
    if (!tokenVolumes.length) return;
    spec!.volumes = spec!.volumes.filter((v: { name: string }) => !tokenVolumes.includes(v.name));
    for (const c of [...(spec!.containers ?? []), ...(spec!.initContainers ?? [])]) {
      if (c.volumeMounts) c.volumeMounts = c.volumeMounts.filter((vm: { name: string }) => !tokenVolumes.includes(vm.name));
    }
    changes.push(`dropped the service-account token volume ${tokenVolumes.join(', ')} (injected again at admission)`);
  },
  immutableChanges: (live, desired) => (same(mutable(live), mutable(desired)) ? [] : ['spec']),
};
