// RoleBindings and ClusterRoleBindings: their ServiceAccount subjects follow the namespace map;
// the role they bind cannot change in place.
import { mapNamespace } from '../restore/mappings.ts';
import type { KindRule } from './rule.ts';
import { mention } from '../mentions.ts';

export const roleBindings: KindRule = {
  appliesTo: ['rolebindings.rbac.authorization.k8s.io', 'clusterrolebindings.rbac.authorization.k8s.io'],
  phase: 'access control',
  clean(obj, ctx, changes) {
    for (const s of (obj.subjects ?? []) as { kind?: string; name?: string; namespace?: string }[]) {
      if (s.kind !== 'ServiceAccount' || !s.namespace) continue;
      const to = mapNamespace(ctx.mappings, s.namespace);
      if (to !== s.namespace) {
        changes.push(`subject ServiceAccount ${s.namespace}/${s.name} -> ${to}/${s.name} (${mention('namespaceMap')})`);
        s.namespace = to;
      }
    }
  },
  immutable: [['roleRef']],
};
