// Applies and deletes the objects lifeboat manages in a cluster, with server-side apply (field
// manager "lifeboat"), the way `kubectl apply --server-side` does.
import type { KubeClient } from '../kube/client.ts';
import { KubeApiError } from '../kube/client.ts';

type Obj = Record<string, any>;

/** The REST collection of each kind lifeboat installs. */
const RESOURCES: Record<string, { plural: string; namespaced: boolean }> = {
  Namespace: { plural: 'namespaces', namespaced: false },
  CustomResourceDefinition: { plural: 'customresourcedefinitions', namespaced: false },
  ServiceAccount: { plural: 'serviceaccounts', namespaced: true },
  ClusterRole: { plural: 'clusterroles', namespaced: false },
  ClusterRoleBinding: { plural: 'clusterrolebindings', namespaced: false },
  Role: { plural: 'roles', namespaced: true },
  RoleBinding: { plural: 'rolebindings', namespaced: true },
  ConfigMap: { plural: 'configmaps', namespaced: true },
  Secret: { plural: 'secrets', namespaced: true },
  Service: { plural: 'services', namespaced: true },
  Deployment: { plural: 'deployments', namespaced: true },
  DaemonSet: { plural: 'daemonsets', namespaced: true },
  Job: { plural: 'jobs', namespaced: true },
  CronJob: { plural: 'cronjobs', namespaced: true },
  Lease: { plural: 'leases', namespaced: true },
  WorkItem: { plural: 'workitems', namespaced: true },
  PrometheusRule: { plural: 'prometheusrules', namespaced: true },
};

/** The collection path of a kind: /api/v1/... or /apis/<group>/<version>/... */
export function collectionPath(apiVersion: string, kind: string, namespace?: string): string {
  const r = RESOURCES[kind];
  if (!r) throw new Error(`lifeboat does not manage objects of kind ${kind}`);
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return `${base}${r.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : ''}/${r.plural}`;
}

export function objectPath(o: Obj): string {
  return `${collectionPath(o.apiVersion, o.kind, o.metadata.namespace)}/${encodeURIComponent(o.metadata.name)}`;
}

export const FIELD_MANAGER = 'lifeboat';

export async function applyObject(kube: KubeClient, o: Obj, signal?: AbortSignal): Promise<Obj> {
  return kube.request<Obj>('PATCH', `${objectPath(o)}?fieldManager=${FIELD_MANAGER}&force=true`, JSON.stringify(o), { contentType: 'application/apply-patch+yaml', signal });
}

export async function getObject(kube: KubeClient, path: string, signal?: AbortSignal): Promise<Obj | undefined> {
  try {
    return await kube.request<Obj>('GET', path, undefined, { signal });
  } catch (e) {
    if (e instanceof KubeApiError && e.status === 404) return undefined;
    throw e;
  }
}

/** Deletes an object; one already gone counts as deleted. Returns whether it was there. */
export async function deleteObject(kube: KubeClient, path: string, signal?: AbortSignal): Promise<boolean> {
  try {
    await kube.request('DELETE', path, { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground' }, { signal });
    return true;
  } catch (e) {
    if (e instanceof KubeApiError && e.status === 404) return false;
    throw e;
  }
}

/** Items of a collection matching a label selector (empty when the collection is not served). */
export async function listObjects(kube: KubeClient, path: string, labelSelector?: string, signal?: AbortSignal): Promise<Obj[]> {
  const items: Obj[] = [];
  try {
    for await (const page of kube.listPages(path, { labelSelector, signal })) items.push(...(page.items as Obj[]));
  } catch (e) {
    if (e instanceof KubeApiError && e.status === 404) return [];
    throw e;
  }
  return items;
}
