/**
 * Pods from templates, and a stand-in kubelet: it places each new Pod on a Node and reports it
 * Running (or Succeeded for a Job's Pods). No process runs.
 */
import { createHash } from 'node:crypto';
import { now, randomSuffix } from '../objects.ts';
import type { KubeObject } from '../storage.ts';
import { pickNode } from './scheduler.ts';
import { benign, controllerOf, type Controller, type ControllerContext, nsKey, splitKey } from './framework.ts';

/** kube-controller-manager's hash of a pod template (fnv-32a, SafeEncodeString). */
export function templateHash(template: unknown, collisionCount = 0): string {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(JSON.stringify(template) + (collisionCount ? String(collisionCount) : ''))) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  const alphanums = 'bcdfghjklmnpqrstvwxz2456789';
  return [...String(h)].map((c) => alphanums[c.charCodeAt(0) % alphanums.length]).join('');
}

export function podFromTemplate(
  template: any,
  namespace: string,
  name: string,
  owner: Record<string, unknown>,
  extraLabels: Record<string, string> = {},
  specExtra: Record<string, unknown> = {},
): KubeObject {
  const spec = template?.spec ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      labels: { ...(template?.metadata?.labels ?? {}), ...extraLabels },
      ...(template?.metadata?.annotations ? { annotations: template.metadata.annotations } : {}),
      ownerReferences: [owner],
    },
    spec: {
      restartPolicy: 'Always',
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler',
      terminationGracePeriodSeconds: 30,
      serviceAccountName: spec.serviceAccountName ?? 'default',
      enableServiceLinks: true,
      ...spec,
      ...specExtra,
    },
  };
}

export const podName = (base: string) => `${base}-${randomSuffix()}`;

const ipFor = (key: string, base: string) => {
  const n = createHash('sha1').update(key).digest().readUInt16BE(0);
  return `${base}.${(n >> 8) % 254}.${(n & 0xff) % 253 + 1}`;
};

export function podIsActive(p: KubeObject): boolean {
  return !p.metadata.deletionTimestamp && !['Succeeded', 'Failed'].includes(p.status?.phase);
}

/** Running, not being deleted, and its Ready condition True (what the kubelet's probes say). */
export function podIsReady(p: KubeObject): boolean {
  const ready = (p.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
  return p.status?.phase === 'Running' && !p.metadata.deletionTimestamp && ready?.status === 'True';
}

/** Being deleted with a grace period still running (the kubelet has to stop it first). */
const terminating = (p: KubeObject) => !!p.metadata.deletionTimestamp && (p.metadata.deletionGracePeriodSeconds ?? 0) > 0;

/** The annotation a real lab kubelet puts on its Node (src/lab/kubelet/kubelet.ts). */
const REAL_KUBELET = 'lab.lifeboat.dev/kubelet';

async function markUnschedulable(ctx: ControllerContext, pod: KubeObject, message: string): Promise<void> {
  const current = (pod.status?.conditions ?? []).find((c: any) => c.type === 'PodScheduled');
  if (current?.message === message) return;
  await ctx.api
    .mutate(ctx.info('', 'pods'), pod.metadata.namespace, pod.metadata.name, (o) => ({
      ...o,
      status: { ...(o.status ?? {}), phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastProbeTime: null, lastTransitionTime: now() }] },
    }), { subresource: 'status' })
    .catch(benign);
}

/** Binds pending pods to nodes (the scheduler) and, on nodes no real kubelet runs, reports them Running. */
export function kubelet(ctx: ControllerContext): Controller {
  const pods = () => ctx.info('', 'pods');
  return {
    name: 'kubelet',
    keysFor: (e) => (e.type === 'put' && ctx.is(e, '', 'pods') && (!e.object.status?.phase || e.object.status.phase === 'Pending' || terminating(e.object)) ? [nsKey(e.object)] : []),
    resync: () => ctx.list('', 'pods').filter((p) => !p.status?.phase || p.status.phase === 'Pending' || terminating(p)).map(nsKey),
    async reconcile(key) {
      const [ns, name] = splitKey(key);
      let pod = ctx.get('', 'pods', ns, name);
      const nodeObjects = ctx.list('', 'nodes');
      const runsKubelet = (p: KubeObject) => !!nodeObjects.find((n) => n.metadata.name === p.spec?.nodeName)?.metadata.annotations?.[REAL_KUBELET];
      // Gracefully deleted: a real kubelet stops the containers and then deletes the pod; with none, nothing runs, so it goes now.
      if (pod && terminating(pod) && !runsKubelet(pod)) {
        await ctx.api.delete(pods(), ns, name, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } }).catch(benign);
        return;
      }
      if (!pod || pod.metadata.deletionTimestamp || (pod.status?.phase && pod.status.phase !== 'Pending')) return;
      const nodes = nodeObjects.map((n) => n.metadata.name).sort();
      if (!pod.spec?.nodeName) {
        const choice = pickNode(pod, nodeObjects, ctx.list('', 'pods'), key);
        if (!choice.node) {
          if (choice.message) await markUnschedulable(ctx, pod, choice.message);
          return;
        }
        pod = await ctx.api.mutate(pods(), ns, name, (o) => ({ ...o, spec: { ...o.spec, nodeName: choice.node } })).catch(benign);
        if (!pod) return;
      }
      // A node a real kubelet runs (src/lab/kubelet) reports its pods itself.
      if (runsKubelet(pod)) return;
      const owner = controllerOf(pod);
      const completes = owner?.kind === 'Job';
      const t = now();
      const nodeIndex = Math.max(0, nodes.indexOf(pod.spec.nodeName));
      const containerStatus = (c: any) => ({
        name: c.name,
        image: c.image,
        imageID: `${c.image}@sha256:${createHash('sha256').update(String(c.image)).digest('hex')}`,
        containerID: `containerd://${createHash('sha256').update(`${key}/${c.name}`).digest('hex')}`,
        ready: !completes,
        started: !completes,
        restartCount: 0,
        state: completes ? { terminated: { exitCode: 0, reason: 'Completed', startedAt: t, finishedAt: t } } : { running: { startedAt: t } },
      });
      const ready = completes ? 'False' : 'True';
      await ctx.api
        .mutate(pods(), ns, name, (o) => ({
          ...o,
          status: {
            phase: completes ? 'Succeeded' : 'Running',
            conditions: [
              { type: 'PodReadyToStartContainers', status: ready, lastTransitionTime: t },
              { type: 'Initialized', status: 'True', lastTransitionTime: t },
              { type: 'Ready', status: ready, lastTransitionTime: t, ...(completes ? { reason: 'PodCompleted' } : {}) },
              { type: 'ContainersReady', status: ready, lastTransitionTime: t, ...(completes ? { reason: 'PodCompleted' } : {}) },
              { type: 'PodScheduled', status: 'True', lastTransitionTime: t },
            ],
            hostIP: `10.0.0.${10 + nodeIndex}`,
            hostIPs: [{ ip: `10.0.0.${10 + nodeIndex}` }],
            podIP: ipFor(key, '10.244'),
            podIPs: [{ ip: ipFor(key, '10.244') }],
            startTime: t,
            qosClass: 'BestEffort',
            containerStatuses: (o.spec?.containers ?? []).map(containerStatus),
          },
        }), { subresource: 'status' })
        .catch(benign);
    },
  };
}
