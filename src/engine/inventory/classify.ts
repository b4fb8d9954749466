import type { KubeObject } from '../kube/client.ts';
import { resourceName, type ApiResource } from '../kube/discovery.ts';
import { skipReason } from '../restore/cleanup.ts';
import { objectId } from '../sources/kubernetes.ts';
import type { InventoryItem } from './types.ts';
import { ETCD_ITEM_ID, databaseId, prometheusItemId } from '../sources/item-ids.ts';

// The classifier: what needs a backup, what can be skipped, what is at risk, and why, in words.
// Pure: observations in, items out. observe.ts gathers the observations.

export interface DockerContainerObservation {
  id: string;
  name: string;
  image: string;
  running: boolean;
  /** Paths changed in the container's writable layer, outside its volumes and mounts. */
  changedPaths: string[];
}

export interface ImageObservation {
  /** The reference as used, e.g. 127.0.0.1:5000/lab/api:1. */
  ref: string;
  /** The id used for coverage (the images source's CapturedItem id). */
  id: string;
  /** Who uses it: `pod shop/api-7d9`, `container web`. */
  usedBy: string[];
  inEngine: boolean;
  inRegistry: boolean;
}

export interface VolumeObservation {
  id: string;
  kind: 'PersistentVolume' | 'DockerVolume';
  name: string;
  /** Where its data is on this machine, when lifeboat can reach it. */
  reachable: boolean;
  /** Why it cannot be reached and what to configure (when not reachable). */
  why?: string;
  /** PV reclaim policy. */
  reclaimPolicy?: string;
  claim?: string;
  storageClass?: string;
}

export interface Observations {
  kubernetes?: { resource: ApiResource; obj: KubeObject }[];
  containers?: DockerContainerObservation[];
  images?: ImageObservation[];
  volumes?: VolumeObservation[];
  etcd?: string[];
  databases?: { name: string; database: string; address: string }[];
  prometheus?: { name: string; url: string }[];
}

const NEED_REASON: Record<string, string> = {
  Deployment: 'workload spec: a rebuild recreates its pods from it',
  StatefulSet: 'stateful workload spec, with its volume claim templates',
  DaemonSet: 'per-node workload spec',
  CronJob: 'scheduled job spec',
  Job: 'job spec',
  Service: 'how clients reach the workloads',
  Ingress: 'how outside traffic reaches the services',
  ConfigMap: 'configuration the workloads read',
  Secret: 'credentials and keys (stored encrypted, never shown)',
  PersistentVolumeClaim: 'claim on persistent data',
  PersistentVolume: 'persistent volume definition',
  Namespace: 'namespace, with its labels and annotations',
  CustomResourceDefinition: 'custom resource type: its resources need it',
  ServiceAccount: 'workload identity',
  Role: 'access rules',
  RoleBinding: 'who gets the access rules',
  ClusterRole: 'cluster-wide access rules',
  ClusterRoleBinding: 'who gets the cluster-wide access rules',
  StorageClass: 'how volumes are provisioned',
  HorizontalPodAutoscaler: 'how a workload scales',
  PodDisruptionBudget: 'how many pods of a workload may be down at once',
  NetworkPolicy: 'which traffic the pods may send and receive',
  LimitRange: 'default and maximum resources in the namespace',
  ResourceQuota: "the namespace's resource quota",
  PriorityClass: 'the priority of the pods that name it',
  IngressClass: 'which controller serves the ingresses',
  ValidatingWebhookConfiguration: 'admission checks the cluster calls',
  MutatingWebhookConfiguration: 'admission changes the cluster calls',
  APIService: 'an API served by another server',
};

/** `group/plural` of every resource a CustomResourceDefinition of the cluster serves. */
function customResources(objects: { resource: ApiResource; obj: KubeObject }[]): Set<string> {
  const out = new Set<string>();
  for (const { resource, obj } of objects) {
    if (resourceName(resource) !== 'customresourcedefinitions.apiextensions.k8s.io') continue;
    const spec = obj.spec as { group?: string; names?: { plural?: string } } | undefined;
    if (spec?.group && spec.names?.plural) out.add(`${spec.group}/${spec.names.plural}`);
  }
  return out;
}

function kubeItem(resource: ApiResource, obj: KubeObject, custom: Set<string>): InventoryItem {
  const ns = obj.metadata.namespace;
  const base = {
    id: objectId(resource, ns, obj.metadata.name),
    group: ns ?? 'cluster',
    kind: resource.kind,
    name: obj.metadata.name,
    namespace: ns,
    source: 'kubernetes' as const,
  };
  // What a restore would not bring back (the cluster makes it again) is skippable, and so not
  // counted in the coverage: the figure is of what a restore restores.
  const skip = skipReason({ group: resource.group, version: resource.version, apiVersion: resource.groupVersion, resource: resource.resource, kind: resource.kind, namespaced: resource.namespaced }, obj);
  if (skip) return { ...base, verdict: 'skippable', reason: skip };
  if (resourceName(resource) === 'pods') {
    return { ...base, verdict: 'at-risk', reason: 'bare Pod: no controller recreates it if it is deleted or its node fails' };
  }
  const isCustom = custom.has(`${resource.group}/${resource.resource}`);
  const reason = isCustom ? 'custom resource: a rebuild needs it' : (NEED_REASON[resource.kind] ?? 'cluster state a rebuild needs');
  return { ...base, verdict: 'needs-backup', reason };
}

/** Every observation as inventory items, without coverage (see coverage.ts). */
export function classify(obs: Observations): InventoryItem[] {
  const items: InventoryItem[] = [];
  const custom = customResources(obs.kubernetes ?? []);
  for (const { resource, obj } of obs.kubernetes ?? []) items.push(kubeItem(resource, obj, custom));
  for (const v of obs.volumes ?? []) {
    const base = { id: v.id, group: v.kind === 'DockerVolume' ? 'docker' : 'cluster', kind: v.kind === 'DockerVolume' ? 'Volume' : 'PV data', name: v.name, source: 'volumes' as const };
    const details = { ...(v.claim ? { claim: v.claim } : {}), ...(v.reclaimPolicy ? { reclaimPolicy: v.reclaimPolicy } : {}), ...(v.storageClass ? { storageClass: v.storageClass } : {}) };
    if (!v.reachable) items.push({ ...base, verdict: 'at-risk', reason: `lifeboat cannot reach its data: ${v.why ?? 'no path on this machine'}`, details });
    else if (v.reclaimPolicy === 'Delete') {
      items.push({ ...base, verdict: 'at-risk', reason: `reclaim policy Delete: deleting its claim${v.claim ? ` ${v.claim}` : ''} deletes the data`, details });
    } else items.push({ ...base, verdict: 'needs-backup', reason: v.kind === 'DockerVolume' ? 'Docker named volume: data lives only here' : `persistent data${v.claim ? ` of ${v.claim}` : ''}`, details });
  }
  const imageByRef = new Map((obs.images ?? []).map((i) => [i.ref, i]));
  for (const c of obs.containers ?? []) {
    const base = { id: `container:${c.name}`, group: 'docker', kind: 'Container', name: c.name, details: { image: c.image, running: c.running } };
    if (c.changedPaths.length) {
      const sample = c.changedPaths.slice(0, 3).join(', ');
      items.push({ ...base, verdict: 'at-risk', reason: `keeps data in its writable layer (${c.changedPaths.length} changed paths: ${sample}); move it to a volume`, details: { ...base.details, changed: c.changedPaths.length } });
    } else {
      const img = imageByRef.get(c.image);
      items.push({ ...base, verdict: 'skippable', reason: `stateless: recreate it from image ${c.image}${img ? '' : ' (not found)'}` });
    }
  }
  for (const i of obs.images ?? []) {
    const base = { id: i.id, group: i.inRegistry ? 'registries' : 'docker', kind: 'Image', name: i.ref, source: 'images' as const, details: { usedBy: i.usedBy.join(', ') } };
    if (i.usedBy.length === 0) items.push({ ...base, verdict: 'skippable', reason: 'not used by any workload or container' });
    else if (!i.inRegistry && !i.inEngine) {
      items.push({ ...base, verdict: 'at-risk', reason: `found in no configured registry and not in the local Docker engine; used by ${i.usedBy.join(', ')}` });
    } else if (!i.inRegistry) items.push({ ...base, verdict: 'at-risk', reason: `only in the local Docker engine, in no registry; used by ${i.usedBy.join(', ')}` });
    else items.push({ ...base, verdict: 'needs-backup', reason: `in use by ${i.usedBy.join(', ')}` });
  }
  for (const e of obs.etcd ?? []) items.push({ id: ETCD_ITEM_ID, group: 'etcd', kind: 'etcd', name: e, source: 'etcd', verdict: 'needs-backup', reason: "the cluster's database: every object, in one snapshot" });
  for (const d of obs.databases ?? []) {
    items.push({ id: databaseId(d.name, d.database), group: 'databases', kind: 'Database', name: `${d.name}/${d.database}`, source: 'databases', verdict: 'needs-backup', reason: `PostgreSQL database at ${d.address}` });
  }
  for (const p of obs.prometheus ?? []) {
    items.push({ id: prometheusItemId(p.name, 'config'), group: 'prometheus', kind: 'Prometheus', name: p.name, source: 'prometheus', verdict: 'needs-backup', reason: `configuration and rules of ${p.url}` });
  }
  return items;
}
