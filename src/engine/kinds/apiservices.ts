// APIServices: one without a service is a built-in group the API server serves itself.
import type { KindRule } from './rule.ts';

export const apiServices: KindRule = {
  appliesTo: ['apiservices.apiregistration.k8s.io'],
  phase: 'admission webhooks',
  skipReason: (obj) => (!(obj.spec as { service?: unknown } | undefined)?.service ? 'a built-in API group, served by the API server itself' : undefined),
};
