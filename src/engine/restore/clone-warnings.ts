// What a namespace clone does not carry over: grants and hooks outside the cloned namespaces that
// name the old one. The clone's objects are made, but its accounts get none of the old ones'
// cluster-wide rights, and webhooks keep calling (and guarding) the old namespace.
import { mapNamespace, type Mappings } from './mappings.ts';
import { resourceNameOf } from './cleanup.ts';
import type { SnapshotObject } from './snapshot-objects.ts';

type Subject = { kind?: string; name?: string; namespace?: string };
type WebhookLike = { name?: string; clientConfig?: { service?: { namespace?: string; name?: string } }; namespaceSelector?: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] } };

/**
 * One warning per binding or webhook that names a namespace the restore maps elsewhere and that
 * this restore does not write itself (so its names are not mapped): outside the cloned
 * namespaces, cluster-scoped and left out, or already in the target and kept.
 */
export function cloneWarnings(objects: SnapshotObject[], mappings: Mappings, written: ReadonlySet<string>): string[] {
  const mapped = Object.keys(mappings.namespaces).filter((from) => mapNamespace(mappings, from) !== from);
  if (!mapped.length) return [];
  const isMapped = (ns: string | undefined) => ns !== undefined && mapped.includes(ns);
  const out: string[] = [];
  for (const o of objects) {
    const res = resourceNameOf(o.ref);
    const m = o.object.metadata;
    if (written.has(o.id)) continue;
    if (res === 'clusterrolebindings.rbac.authorization.k8s.io' || res === 'rolebindings.rbac.authorization.k8s.io') {
      const subjects = ((o.object.subjects ?? []) as Subject[]).filter((s) => s.kind === 'ServiceAccount' && isMapped(s.namespace));
      for (const s of subjects) {
        const where = o.ref.namespaced ? `RoleBinding ${m.namespace}/${m.name}` : `ClusterRoleBinding ${m.name}`;
        out.push(`${where} grants ServiceAccount ${s.namespace}/${s.name}, not the clone's ${mapNamespace(mappings, s.namespace)}/${s.name}: bind the clone's account too if it needs that access`);
      }
    }
    if (res === 'validatingwebhookconfigurations.admissionregistration.k8s.io' || res === 'mutatingwebhookconfigurations.admissionregistration.k8s.io') {
      for (const w of (o.object.webhooks ?? []) as WebhookLike[]) {
        const svc = w.clientConfig?.service;
        if (svc && isMapped(svc.namespace)) {
          out.push(`${o.ref.kind} ${m.name} (webhook ${w.name}) calls Service ${svc.namespace}/${svc.name}, not the clone's ${mapNamespace(mappings, svc.namespace)}/${svc.name}`);
        }
        const selected = w.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'];
        if (isMapped(selected)) out.push(`${o.ref.kind} ${m.name} (webhook ${w.name}) applies to namespace ${selected} only, not to the clone ${mapNamespace(mappings, selected)}`);
      }
    }
  }
  return [...new Set(out)];
}
