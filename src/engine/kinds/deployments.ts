// Deployments and DaemonSets: their selector cannot change in place.
import type { KindRule } from './rule.ts';

export const deployments: KindRule = { appliesTo: ['deployments.apps'], phase: 'workloads', immutable: [['spec', 'selector']] };
export const daemonSets: KindRule = { appliesTo: ['daemonsets.apps'], phase: 'workloads', immutable: [['spec', 'selector']] };
