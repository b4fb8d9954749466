// The order objects are restored in (Velero's, in spirit): what others refer to comes first, so
// each object finds what it needs; workloads come late, so their pods start with their claims,
// accounts, secrets and config there; admission webhooks come last, so they cannot refuse the
// restore of the objects before them.

/** Phases by resource name (`resource.group`, kubectl's habit); unnamed resources go in `other`. */
const PHASES: { name: string; resources: string[] }[] = [
  { name: 'custom resource definitions', resources: ['customresourcedefinitions.apiextensions.k8s.io'] },
  { name: 'namespaces', resources: ['namespaces'] },
  { name: 'storage classes', resources: ['storageclasses.storage.k8s.io', 'priorityclasses.scheduling.k8s.io', 'runtimeclasses.node.k8s.io'] },
  { name: 'persistent volumes', resources: ['persistentvolumes'] },
  { name: 'persistent volume claims', resources: ['persistentvolumeclaims'] },
  { name: 'service accounts', resources: ['serviceaccounts'] },
  { name: 'secrets', resources: ['secrets'] },
  { name: 'config maps', resources: ['configmaps'] },
  { name: 'limits and quotas', resources: ['limitranges', 'resourcequotas'] },
  {
    name: 'access control',
    resources: ['clusterroles.rbac.authorization.k8s.io', 'clusterrolebindings.rbac.authorization.k8s.io', 'roles.rbac.authorization.k8s.io', 'rolebindings.rbac.authorization.k8s.io'],
  },
  { name: 'networking', resources: ['services', 'networkpolicies.networking.k8s.io', 'ingressclasses.networking.k8s.io', 'ingresses.networking.k8s.io'] },
  { name: 'other', resources: [] },
  {
    name: 'workloads',
    resources: ['deployments.apps', 'statefulsets.apps', 'daemonsets.apps', 'replicasets.apps', 'replicationcontrollers', 'jobs.batch', 'cronjobs.batch', 'pods'],
  },
  { name: 'autoscaling and disruption budgets', resources: ['horizontalpodautoscalers.autoscaling', 'poddisruptionbudgets.policy'] },
  {
    name: 'admission webhooks',
    resources: [
      'mutatingwebhookconfigurations.admissionregistration.k8s.io',
      'validatingwebhookconfigurations.admissionregistration.k8s.io',
      'validatingadmissionpolicies.admissionregistration.k8s.io',
      'validatingadmissionpolicybindings.admissionregistration.k8s.io',
      'apiservices.apiregistration.k8s.io',
    ],
  },
];

const BY_RESOURCE = new Map(PHASES.flatMap((p, i) => p.resources.map((r) => [r, i] as const)));
const OTHER = PHASES.findIndex((p) => p.name === 'other');

export const CRD_PHASE = 0;

/** The phase (its index and name) of a resource named `resource.group` (or `resource` for core). */
export function phaseOf(resourceName: string): { phase: number; phaseName: string } {
  const phase = BY_RESOURCE.get(resourceName) ?? OTHER;
  return { phase, phaseName: PHASES[phase]!.name };
}

export function phaseNames(): string[] {
  return PHASES.map((p) => p.name);
}
