// The registry of kind rules: each resource has at most one rule, every phase a rule names
// exists, and the restore order is the one lifeboat has always used.
import { describe, expect, it } from 'vitest';
import { KIND_RULES, kindRule, kindSkipReason } from '../../../src/engine/kinds/index.ts';
import { PHASE_OF_RESOURCE, phaseOf } from '../../../src/engine/restore/order.ts';
import { skipReason } from '../../../src/engine/restore/cleanup.ts';
import { obj } from './helpers.ts';

describe('the kind registry', () => {
  it('has one rule per resource, and a phase is named in one place only', () => {
    const names = KIND_RULES.flatMap((r) => r.appliesTo);
    expect(new Set(names).size).toBe(names.length);
    for (const r of KIND_RULES) for (const n of r.appliesTo) expect(kindRule(n)).toBe(r);
    for (const n of Object.keys(PHASE_OF_RESOURCE)) expect(kindRule(n)?.phase, n).toBeUndefined();
  });

  it('orders resources by phase as restores always have', () => {
    const order = [
      'customresourcedefinitions.apiextensions.k8s.io',
      'namespaces',
      'storageclasses.storage.k8s.io',
      'priorityclasses.scheduling.k8s.io',
      'runtimeclasses.node.k8s.io',
      'persistentvolumes',
      'persistentvolumeclaims',
      'serviceaccounts',
      'secrets',
      'configmaps',
      'limitranges',
      'resourcequotas',
      'clusterroles.rbac.authorization.k8s.io',
      'clusterrolebindings.rbac.authorization.k8s.io',
      'roles.rbac.authorization.k8s.io',
      'rolebindings.rbac.authorization.k8s.io',
      'services',
      'networkpolicies.networking.k8s.io',
      'ingressclasses.networking.k8s.io',
      'ingresses.networking.k8s.io',
      'widgets.example.com',
      'deployments.apps',
      'statefulsets.apps',
      'daemonsets.apps',
      'replicasets.apps',
      'replicationcontrollers',
      'jobs.batch',
      'cronjobs.batch',
      'pods',
      'horizontalpodautoscalers.autoscaling',
      'poddisruptionbudgets.policy',
      'mutatingwebhookconfigurations.admissionregistration.k8s.io',
      'validatingwebhookconfigurations.admissionregistration.k8s.io',
      'validatingadmissionpolicies.admissionregistration.k8s.io',
      'validatingadmissionpolicybindings.admissionregistration.k8s.io',
      'apiservices.apiregistration.k8s.io',
    ];
    const phases = order.map((r) => phaseOf(r).phase);
    expect(phases).toEqual([...phases].sort((a, b) => a - b));
    expect(phaseOf('widgets.example.com').phaseName).toBe('other');
    expect(phaseOf('pods').phaseName).toBe('workloads');
    expect(phaseOf('customresourcedefinitions.apiextensions.k8s.io').phase).toBe(0);
    expect(new Set(phases).size).toBe(15);
  });

  it('gives the inventory and the restore the same skip reason (one source of truth)', () => {
    const event = obj('Event', 'e1', 'shop');
    expect(kindSkipReason('events', event)).toMatch(/Events are generated/);
    expect(skipReason({ resource: 'events', group: '' }, event)).toBe(kindSkipReason('events', event));
    expect(kindSkipReason('widgets.example.com', obj('Widget', 'w', 'shop'))).toBeUndefined();
  });
});
