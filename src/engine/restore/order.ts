// The order objects are restored in (Velero's, in spirit): what others refer to comes first, so
// each object finds what it needs; workloads come late, so their pods start with their claims,
// accounts, secrets and config there; admission webhooks come last, so they cannot refuse the
// restore of the objects before them. A kind with a rule module (../kinds) names its phase
// there; the others are in the table below; unnamed resources go in `other`.
import { kindRule } from '../kinds/index.ts';

const PHASES = [
  'custom resource definitions',
  'namespaces',
  'storage classes',
  'persistent volumes',
  'persistent volume claims',
  'service accounts',
  'secrets',
  'config maps',
  'limits and quotas',
  'access control',
  'networking',
  'other',
  'workloads',
  'autoscaling and disruption budgets',
  'admission webhooks',
] as const;

export type PhaseName = (typeof PHASES)[number];

/** The phase of resources that have no rule module of their own. */
export const PHASE_OF_RESOURCE: Record<string, PhaseName> = {
  'priorityclasses.scheduling.k8s.io': 'storage classes',
  'runtimeclasses.node.k8s.io': 'storage classes',
  serviceaccounts: 'service accounts',
  limitranges: 'limits and quotas',
  resourcequotas: 'limits and quotas',
  'clusterroles.rbac.authorization.k8s.io': 'access control',
  'roles.rbac.authorization.k8s.io': 'access control',
  'networkpolicies.networking.k8s.io': 'networking',
  'ingressclasses.networking.k8s.io': 'networking',
  'ingresses.networking.k8s.io': 'networking',
  replicationcontrollers: 'workloads',
  'cronjobs.batch': 'workloads',
  'horizontalpodautoscalers.autoscaling': 'autoscaling and disruption budgets',
  'poddisruptionbudgets.policy': 'autoscaling and disruption budgets',
  'mutatingwebhookconfigurations.admissionregistration.k8s.io': 'admission webhooks',
  'validatingwebhookconfigurations.admissionregistration.k8s.io': 'admission webhooks',
  'validatingadmissionpolicies.admissionregistration.k8s.io': 'admission webhooks',
  'validatingadmissionpolicybindings.admissionregistration.k8s.io': 'admission webhooks',
};

/** The phase (its index and name) of a resource named `resource.group` (or `resource` for core). */
export function phaseOf(resourceName: string): { phase: number; phaseName: string } {
  const name = kindRule(resourceName)?.phase ?? PHASE_OF_RESOURCE[resourceName] ?? 'other';
  const phase = PHASES.indexOf(name as PhaseName);
  if (phase < 0) throw new Error(`the kind rule of ${resourceName} names an unknown phase '${name}'`);
  return { phase, phaseName: name };
}
