// Namespaces: the namespace map renames them, and their name label follows.
import { mapNamespace } from '../restore/mappings.ts';
import type { KindRule } from './rule.ts';
import { mention } from '../mentions.ts';

export const namespaces: KindRule = {
  appliesTo: ['namespaces'],
  phase: 'namespaces',
  clean(obj, ctx, changes) {
    const m = obj.metadata;
    const to = mapNamespace(ctx.mappings, m.name);
    if (to !== m.name) {
      changes.push(`renamed ${m.name} -> ${to} (${mention('namespaceMap')})`);
      m.name = to;
    }
    if (m.labels?.['kubernetes.io/metadata.name'] !== undefined) m.labels['kubernetes.io/metadata.name'] = m.name;
  },
};
