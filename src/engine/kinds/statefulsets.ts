// StatefulSets: their claim templates take the storage-class map; most of their spec is fixed.
import { mapStorageClass, type KindRule } from './rule.ts';

export const statefulSets: KindRule = {
  appliesTo: ['statefulsets.apps'],
  phase: 'workloads',
  clean(obj, ctx, changes) {
    for (const t of ((obj.spec as any)?.volumeClaimTemplates ?? []) as { metadata?: { name?: string }; spec?: Record<string, unknown> }[]) {
      mapStorageClass(t.spec, ctx, changes, `volumeClaimTemplates[${t.metadata?.name}].spec.storageClassName`);
    }
  },
  immutable: [['spec', 'selector'], ['spec', 'volumeClaimTemplates'], ['spec', 'serviceName'], ['spec', 'podManagementPolicy']],
};
