// `lifeboat install` and `uninstall` against a cluster: apply the manifests, wait until the
// controller holds its Lease and an agent runs on every node; uninstall deletes every object of
// lifeboat (by name and by its part-of label), never the repository.
import type { KubeClient } from '../kube/client.ts';
import { agentLeaseName } from './agent.ts';
import { applyObject, collectionPath, deleteObject, getObject, listObjects, objectPath } from './apply.ts';
import { leaseHolder } from './lease.ts';
import { CONTROLLER, CONTROLLER_LEASE, NODE_AGENT, PART_OF_SELECTOR } from './manifests.ts';

type Obj = Record<string, any>;

export const describe = (o: Obj) => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

export async function applyAll(kube: KubeClient, objects: Obj[], onApplied: (what: string) => void, signal?: AbortSignal): Promise<void> {
  for (const o of objects) {
    await applyObject(kube, o, signal);
    // Custom resources of a new CRD are served once it is Established.
    if (o.kind === 'CustomResourceDefinition') await waitFor(async () => (await getObject(kube, objectPath(o), signal))?.status?.conditions?.some((c: Obj) => c.type === 'Established' && c.status === 'True'), 30_000, `${describe(o)} Established`, signal);
    onApplied(describe(o));
  }
}

async function waitFor(check: () => Promise<unknown>, timeoutMs: number, what: string, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (signal?.aborted) throw signal.reason;
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

export interface Readiness {
  leader?: string;
  nodes: number;
  agents: { node: string; pod: string; phase: string }[];
}

/** The controller holding the Lease, and the agent pods by node. */
export async function readiness(kube: KubeClient, namespace: string): Promise<Readiness> {
  const nodes = await listObjects(kube, '/api/v1/nodes');
  const pods = await listObjects(kube, `/api/v1/namespaces/${namespace}/pods`, 'app.kubernetes.io/component=node-agent');
  const agents: Readiness['agents'] = [];
  for (const p of pods) {
    if (!p.spec?.nodeName) continue;
    const holder = await leaseHolder(kube, namespace, agentLeaseName(p.spec.nodeName));
    agents.push({ node: p.spec.nodeName, pod: p.metadata.name, phase: holder === p.metadata.name ? 'Serving' : (p.status?.phase ?? 'Pending') });
  }
  return { leader: await leaseHolder(kube, namespace, CONTROLLER_LEASE), nodes: nodes.length, agents: agents.sort((a, b) => a.node.localeCompare(b.node)) };
}

/** Waits until a controller pod leads and each schedulable node's agent holds its node's lease. */
export async function waitInstalled(kube: KubeClient, namespace: string, timeoutMs: number, signal?: AbortSignal): Promise<Readiness> {
  let last: Readiness | undefined;
  try {
    await waitFor(
      async () => {
        last = await readiness(kube, namespace);
        const ds = await getObject(kube, `${collectionPath('apps/v1', 'DaemonSet', namespace)}/${NODE_AGENT}`);
        const desired = ds?.status?.desiredNumberScheduled ?? 0;
        return last.leader?.startsWith(`${CONTROLLER}-`) && desired > 0 && last.agents.filter((a) => a.phase === 'Serving').length >= desired;
      },
      timeoutMs,
      'the controller to lead and an agent to serve each node',
      signal,
    );
  } catch (e) {
    const agents = last ? `${last.agents.filter((a) => a.phase === 'Serving').length}/${last.nodes} nodes have a serving agent` : 'nothing answered';
    throw new Error(`${(e as Error).message} (${last?.leader ? `leader ${last.leader}` : 'no controller leads'}; ${agents}): see 'kubectl -n ${namespace} get pods' and their logs`);
  }
  return last!;
}

/** Kinds uninstall looks for by label, namespaced ones in the namespace, then cluster-wide ones. */
const NAMESPACED = [
  ['monitoring.coreos.com/v1', 'PrometheusRule'],
  ['batch/v1', 'CronJob'],
  ['batch/v1', 'Job'],
  ['apps/v1', 'DaemonSet'],
  ['apps/v1', 'Deployment'],
  ['v1', 'Secret'],
  ['v1', 'ConfigMap'],
  ['rbac.authorization.k8s.io/v1', 'RoleBinding'],
  ['rbac.authorization.k8s.io/v1', 'Role'],
  ['v1', 'ServiceAccount'],
] as const;
const CLUSTER = [
  ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding'],
  ['rbac.authorization.k8s.io/v1', 'ClusterRole'],
  ['apiextensions.k8s.io/v1', 'CustomResourceDefinition'],
] as const;

/** Deletes the installation; returns what was deleted. The namespace goes last, awaited. */
export async function uninstall(kube: KubeClient, namespace: string, timeoutMs: number, onDeleted: (what: string) => void, signal?: AbortSignal): Promise<string[]> {
  const deleted: string[] = [];
  const del = async (path: string, what: string) => {
    if (await deleteObject(kube, path, signal)) {
      deleted.push(what);
      onDeleted(what);
    }
  };
  const ns = await getObject(kube, `/api/v1/namespaces/${namespace}`, signal);
  if (ns) {
    // Work items first (their CRD's deletion would take them too, but the agents should stop first).
    for (const wi of await listObjects(kube, collectionPath('lifeboat.dev/v1alpha1', 'WorkItem', namespace))) await del(objectPath({ ...wi, apiVersion: 'lifeboat.dev/v1alpha1', kind: 'WorkItem' }), `WorkItem ${namespace}/${wi.metadata.name}`);
    for (const [apiVersion, kind] of NAMESPACED) {
      for (const o of await listObjects(kube, collectionPath(apiVersion, kind, namespace), PART_OF_SELECTOR, signal)) await del(objectPath({ ...o, apiVersion, kind }), `${kind} ${namespace}/${o.metadata.name}`);
    }
  }
  for (const [apiVersion, kind] of CLUSTER) {
    for (const o of await listObjects(kube, collectionPath(apiVersion, kind), PART_OF_SELECTOR, signal)) await del(objectPath({ ...o, apiVersion, kind }), `${kind} ${o.metadata.name}`);
  }
  if (ns) {
    await del(`/api/v1/namespaces/${namespace}`, `Namespace ${namespace}`);
    await waitFor(async () => !(await getObject(kube, `/api/v1/namespaces/${namespace}`, signal)), timeoutMs, `namespace ${namespace} to go`, signal);
  }
  return deleted;
}
