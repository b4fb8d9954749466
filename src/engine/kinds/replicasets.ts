// ReplicaSets: a Deployment's are rebuilt from its template.
import { controllerOf, type KindRule } from './rule.ts';

export const replicaSets: KindRule = {
  appliesTo: ['replicasets.apps'],
  phase: 'workloads',
  generated(obj) {
    const c = controllerOf(obj);
    return c?.kind === 'Deployment' ? `owned by Deployment ${c.name}: rebuilt from its template` : undefined;
  },
  immutable: [['spec', 'selector']],
};
