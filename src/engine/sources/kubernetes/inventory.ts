// The inventory's rows for Kubernetes objects: what needs a backup, what the cluster makes again
// (skippable), what is at risk (a bare Pod), each with its reason. Pure: objects in, rows out.
import type { KubeObject } from '../../kube/client.ts';
import { resourceName, type ApiResource } from '../../kube/discovery.ts';
import { kindSkipReason } from '../../kinds/index.ts';
import type { InventoryItem } from '../../inventory/types.ts';
import { objectId } from './ids.ts';

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
  const skip = kindSkipReason(resourceName(resource), obj);
  if (skip) return { ...base, verdict: 'skippable', reason: skip };
  if (resourceName(resource) === 'pods') {
    return { ...base, verdict: 'at-risk', reason: 'bare Pod: no controller recreates it if it is deleted or its node fails' };
  }
  const isCustom = custom.has(`${resource.group}/${resource.resource}`);
  const reason = isCustom ? 'custom resource: a rebuild needs it' : (NEED_REASON[resource.kind] ?? 'cluster state a rebuild needs');
  return { ...base, verdict: 'needs-backup', reason };
}

export function classifyKubernetes(objects: { resource: ApiResource; obj: KubeObject }[]): InventoryItem[] {
  const custom = customResources(objects);
  return objects.map(({ resource, obj }) => kubeItem(resource, obj, custom));
}
