/**
 * Deployment -> ReplicaSet (pod-template-hash) -> Pods; ReplicationController -> Pods; StatefulSet -> Pods and PVCs from
 * volumeClaimTemplates; DaemonSet -> a Pod per Node. Rollouts are instant: the new ReplicaSet is
 * scaled up and the old ones to zero in one step.
 */
import type { KubeObject } from '../storage.ts';
import {
  benign,
  controlledBy,
  controllerOf,
  type Controller,
  type ControllerContext,
  nsKey,
  ownerRef,
  splitKey,
} from './framework.ts';
import { podFromTemplate, podIsActive, podIsReady, podName, templateHash } from './pods.ts';

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Writes `status` through the status subresource when it differs from the object's. */
async function setStatus(ctx: ControllerContext, group: string, resource: string, o: KubeObject, status: Record<string, unknown>): Promise<void> {
  const merged = { ...(o.status ?? {}), ...status };
  if (same(o.status, merged)) return;
  await ctx.api.mutate(ctx.info(group, resource), o.metadata.namespace, o.metadata.name, (cur) => ({ ...cur, status: { ...(cur.status ?? {}), ...status } }), { subresource: 'status' }).catch(benign);
}

/** Keys of the owners (of `kind`) of the objects an event is about. */
function ownerKeys(ctx: ControllerContext, e: { key: string; object: KubeObject }, group: string, resource: string, kind: string): string[] {
  if (!ctx.is(e as never, group, resource)) return [];
  const ref = controllerOf(e.object);
  return ref?.kind === kind ? [`${e.object.metadata.namespace}/${ref.name}`] : [];
}

function ownedPods(ctx: ControllerContext, owner: KubeObject): KubeObject[] {
  return ctx.list('', 'pods', owner.metadata.namespace).filter((p) => controlledBy(p, owner));
}

function conditions(available: boolean, t: string): Record<string, unknown>[] {
  return [
    { type: 'Available', status: available ? 'True' : 'False', reason: available ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable', message: available ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.', lastUpdateTime: t, lastTransitionTime: t },
    { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: 'ReplicaSet has successfully progressed.', lastUpdateTime: t, lastTransitionTime: t },
  ];
}

/** ReplicaSets (apps/v1) and ReplicationControllers (v1) keep `replicas` pods of their template. */
function replicasController(ctx: ControllerContext, name: string, group: string, resource: string, kind: string, apiVersion: string): Controller {
  return {
    name,
    keysFor: (e) => (ctx.is(e, group, resource) ? [nsKey(e.object)] : ownerKeys(ctx, e, '', 'pods', kind)),
    resync: () => ctx.list(group, resource).map(nsKey),
    async reconcile(key) {
      const [ns, name] = splitKey(key);
      const rs = ctx.get(group, resource, ns, name);
      if (!rs || rs.metadata.deletionTimestamp) return;
      const want = rs.spec?.replicas ?? 1;
      const pods = ownedPods(ctx, rs).filter(podIsActive);
      for (let i = pods.length; i < want; i++) {
        await ctx.api.create(ctx.info('', 'pods'), ns, podFromTemplate(rs.spec?.template, ns!, podName(name), ownerRef({ ...rs, apiVersion, kind }))).catch(benign);
      }
      const extra = pods.sort((a, b) => String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp))).slice(0, Math.max(0, pods.length - want));
      for (const p of extra) await ctx.api.delete(ctx.info('', 'pods'), ns, p.metadata.name).catch(benign);
      const current = ownedPods(ctx, rs).filter(podIsActive);
      const ready = current.filter(podIsReady).length;
      await setStatus(ctx, group, resource, rs, {
        replicas: current.length,
        fullyLabeledReplicas: current.length,
        readyReplicas: ready,
        availableReplicas: ready,
        observedGeneration: rs.metadata.generation,
      });
    },
  };
}

export function replicaSetController(ctx: ControllerContext): Controller {
  return replicasController(ctx, 'replicaset', 'apps', 'replicasets', 'ReplicaSet', 'apps/v1');
}

export function replicationControllerController(ctx: ControllerContext): Controller {
  return replicasController(ctx, 'replicationcontroller', '', 'replicationcontrollers', 'ReplicationController', 'v1');
}

export function deploymentController(ctx: ControllerContext): Controller {
  return {
    name: 'deployment',
    keysFor: (e) => (ctx.is(e, 'apps', 'deployments') ? [nsKey(e.object)] : ownerKeys(ctx, e, 'apps', 'replicasets', 'Deployment')),
    resync: () => ctx.list('apps', 'deployments').map(nsKey),
    async reconcile(key) {
      const [ns, name] = splitKey(key);
      const d = ctx.get('apps', 'deployments', ns, name);
      if (!d || d.metadata.deletionTimestamp) return;
      const rsInfo = ctx.info('apps', 'replicasets');
      const want = d.spec?.replicas ?? 1;
      const hash = templateHash(d.spec?.template, d.status?.collisionCount);
      const owned = ctx.list('apps', 'replicasets', ns).filter((rs) => controlledBy(rs, d));
      let current = owned.find((rs) => rs.metadata.labels?.['pod-template-hash'] === hash);
      const revisions = owned.map((rs) => Number(rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0));
      const revision = current ? Number(current.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 1) : Math.max(0, ...revisions) + 1;
      if (!current) {
        const template = structuredClone(d.spec?.template ?? {});
        template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), 'pod-template-hash': hash } };
        current = await ctx.api.create(rsInfo, ns, {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          metadata: {
            name: `${name}-${hash}`,
            namespace: ns,
            labels: template.metadata.labels,
            annotations: { 'deployment.kubernetes.io/desired-replicas': String(want), 'deployment.kubernetes.io/max-replicas': String(want + 1), 'deployment.kubernetes.io/revision': String(revision) },
            ownerReferences: [ownerRef({ ...d, apiVersion: 'apps/v1', kind: 'Deployment' })],
          },
          spec: {
            replicas: want,
            minReadySeconds: d.spec?.minReadySeconds ?? 0,
            selector: { ...(d.spec?.selector ?? {}), matchLabels: { ...(d.spec?.selector?.matchLabels ?? {}), 'pod-template-hash': hash } },
            template,
          },
        }).catch(benign) ?? undefined;
        if (!current) return;
      } else if ((current.spec?.replicas ?? 1) !== want) {
        await ctx.api.mutate(rsInfo, ns, current.metadata.name, (o) => ({ ...o, spec: { ...o.spec, replicas: want } })).catch(benign);
      }
      for (const old of owned) {
        if (old.metadata.name !== current.metadata.name && (old.spec?.replicas ?? 1) !== 0) {
          await ctx.api.mutate(rsInfo, ns, old.metadata.name, (o) => ({ ...o, spec: { ...o.spec, replicas: 0 } })).catch(benign);
        }
      }
      if (d.metadata.annotations?.['deployment.kubernetes.io/revision'] !== String(revision)) {
        await ctx.api.mutate(ctx.info('apps', 'deployments'), ns, name, (o) => {
          o.metadata.annotations = { ...(o.metadata.annotations ?? {}), 'deployment.kubernetes.io/revision': String(revision) };
          return o;
        }).catch(benign);
      }
      const fresh = ctx.get('apps', 'replicasets', ns, current.metadata.name) ?? current;
      const ready = fresh.status?.readyReplicas ?? 0;
      const prev = d.status?.conditions?.find((c: any) => c.type === 'Available');
      const available = ready >= want;
      const t = prev && (prev.status === 'True') === available ? prev.lastTransitionTime : new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      await setStatus(ctx, 'apps', 'deployments', ctx.get('apps', 'deployments', ns, name) ?? d, {
        observedGeneration: d.metadata.generation,
        replicas: fresh.status?.replicas ?? 0,
        updatedReplicas: fresh.status?.replicas ?? 0,
        readyReplicas: ready,
        availableReplicas: ready,
        ...(ready < want ? { unavailableReplicas: want - ready } : {}),
        conditions: conditions(available, t),
      });
    },
  };
}

export function statefulSetController(ctx: ControllerContext): Controller {
  return {
    name: 'statefulset',
    keysFor: (e) => (ctx.is(e, 'apps', 'statefulsets') ? [nsKey(e.object)] : ownerKeys(ctx, e, '', 'pods', 'StatefulSet')),
    resync: () => ctx.list('apps', 'statefulsets').map(nsKey),
    async reconcile(key) {
      const [ns, name] = splitKey(key);
      const sts = ctx.get('apps', 'statefulsets', ns, name);
      if (!sts || sts.metadata.deletionTimestamp) return;
      const want = sts.spec?.replicas ?? 1;
      const revision = `${name}-${templateHash(sts.spec?.template)}`;
      const claims: any[] = sts.spec?.volumeClaimTemplates ?? [];
      const owner = ownerRef({ ...sts, apiVersion: 'apps/v1', kind: 'StatefulSet' });
      for (let i = 0; i < want; i++) {
        for (const tpl of claims) {
          const claimName = `${tpl.metadata?.name}-${name}-${i}`;
          if (ctx.get('', 'persistentvolumeclaims', ns, claimName)) continue;
          await ctx.api.create(ctx.info('', 'persistentvolumeclaims'), ns, {
            apiVersion: 'v1',
            kind: 'PersistentVolumeClaim',
            metadata: { name: claimName, namespace: ns, labels: { ...(sts.spec?.selector?.matchLabels ?? {}), ...(tpl.metadata?.labels ?? {}) }, ...(tpl.metadata?.annotations ? { annotations: tpl.metadata.annotations } : {}) },
            spec: { volumeMode: 'Filesystem', ...(tpl.spec ?? {}) },
          }).catch(benign);
        }
        const podNameI = `${name}-${i}`;
        if (ctx.get('', 'pods', ns, podNameI)) continue;
        const volumes = [...(sts.spec?.template?.spec?.volumes ?? [])];
        for (const tpl of claims) {
          if (!volumes.some((v: any) => v.name === tpl.metadata?.name)) volumes.push({ name: tpl.metadata?.name, persistentVolumeClaim: { claimName: `${tpl.metadata?.name}-${name}-${i}` } });
        }
        await ctx.api.create(ctx.info('', 'pods'), ns, podFromTemplate(sts.spec?.template, ns!, podNameI, owner, {
          'apps.kubernetes.io/pod-index': String(i),
          'controller-revision-hash': revision,
          'statefulset.kubernetes.io/pod-name': podNameI,
        }, { hostname: podNameI, ...(sts.spec?.serviceName ? { subdomain: sts.spec.serviceName } : {}), volumes })).catch(benign);
      }
      for (const p of ownedPods(ctx, sts)) {
        const index = Number(p.metadata.labels?.['apps.kubernetes.io/pod-index'] ?? -1);
        if (index >= want) await ctx.api.delete(ctx.info('', 'pods'), ns, p.metadata.name).catch(benign);
      }
      const pods = ownedPods(ctx, sts).filter(podIsActive);
      const ready = pods.filter(podIsReady).length;
      await setStatus(ctx, 'apps', 'statefulsets', sts, {
        observedGeneration: sts.metadata.generation,
        replicas: pods.length,
        readyReplicas: ready,
        currentReplicas: pods.length,
        updatedReplicas: pods.length,
        availableReplicas: ready,
        currentRevision: revision,
        updateRevision: revision,
        collisionCount: 0,
      });
    },
  };
}

export function daemonSetController(ctx: ControllerContext): Controller {
  return {
    name: 'daemonset',
    keysFor: (e) =>
      ctx.is(e, 'apps', 'daemonsets')
        ? [nsKey(e.object)]
        : ctx.is(e, '', 'nodes')
          ? ctx.list('apps', 'daemonsets').map(nsKey)
          : ownerKeys(ctx, e, '', 'pods', 'DaemonSet'),
    resync: () => ctx.list('apps', 'daemonsets').map(nsKey),
    async reconcile(key) {
      const [ns, name] = splitKey(key);
      const ds = ctx.get('apps', 'daemonsets', ns, name);
      if (!ds || ds.metadata.deletionTimestamp) return;
      const nodes = ctx.list('', 'nodes').map((n) => n.metadata.name);
      const hash = templateHash(ds.spec?.template);
      const pods = ownedPods(ctx, ds).filter(podIsActive);
      for (const node of nodes) {
        if (pods.some((p) => p.spec?.nodeName === node)) continue;
        await ctx.api.create(ctx.info('', 'pods'), ns, podFromTemplate(ds.spec?.template, ns!, podName(name), ownerRef({ ...ds, apiVersion: 'apps/v1', kind: 'DaemonSet' }), {
          'controller-revision-hash': hash,
          'pod-template-generation': String(ds.metadata.generation ?? 1),
        }, { nodeName: node })).catch(benign);
      }
      for (const p of pods) if (!nodes.includes(p.spec?.nodeName)) await ctx.api.delete(ctx.info('', 'pods'), ns, p.metadata.name).catch(benign);
      const now = ownedPods(ctx, ds).filter(podIsActive);
      const ready = now.filter(podIsReady).length;
      await setStatus(ctx, 'apps', 'daemonsets', ds, {
        observedGeneration: ds.metadata.generation,
        desiredNumberScheduled: nodes.length,
        currentNumberScheduled: now.length,
        updatedNumberScheduled: now.length,
        numberReady: ready,
        numberAvailable: ready,
        numberMisscheduled: 0,
      });
    },
  };
}
