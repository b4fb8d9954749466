// What to do with an object the target already has: skip (default), update, or recreate, and
// when an update would change a field the API server refuses to change, a recreate instead,
// with a warning. Also what an update must carry over from the live object (assigned addresses,
// bindings, selectors) so a full replace does not try to change them: both per kind, in ../kinds.
import type { KubeObject } from '../kube/client.ts';
import { resourceName } from '../kube/discovery.ts';
import { carryOver as carryOverKind, immutableChanges as immutableOfKind } from '../kinds/index.ts';
import { cleanObject, type CleanupContext } from './cleanup.ts';
import { diffObjects } from './diff.ts';
import { RESTORED_FROM_LABEL, type ExistingPolicy, type ObjectRef, type ObjectVerb } from './types.ts';
import { mention } from '../mentions.ts';

/** Immutable fields an update from `live` to `desired` would change, as dotted paths. */
export const immutableChanges = (ref: ObjectRef, live: KubeObject, desired: KubeObject): string[] => immutableOfKind(resourceName(ref), live, desired);

/** Fields of the live object an update keeps: what the target cluster assigned. */
export const carryOver = (ref: ObjectRef, live: KubeObject, desired: KubeObject): KubeObject => carryOverKind(resourceName(ref), live, desired);

export interface ExistingDecision {
  verb: ObjectVerb;
  reason: string;
  warnings: string[];
  /** Live -> restored, when they differ. */
  diff?: string;
}

/**
 * The verb for an object the target has: compared with the live object cleaned the same way
 * (so what the cluster assigned, and the restored-from label, are no difference).
 */
export function decideExisting(ref: ObjectRef, live: KubeObject, desired: KubeObject, policy: ExistingPolicy, ctx: CleanupContext): ExistingDecision {
  const liveClean = cleanObject(ref, live, { ...ctx, mappings: { namespaces: {}, storageClasses: {}, registries: {} } }).object;
  const desiredCmp = carryOver(ref, liveClean, desired);
  delete desiredCmp.metadata.resourceVersion;
  for (const o of [liveClean, desiredCmp]) delete o.metadata.labels?.[RESTORED_FROM_LABEL];
  const diff = diffObjects(liveClean, desiredCmp);
  if (!diff) return { verb: 'skip', reason: 'exists and is the same as in the snapshot', warnings: [] };
  if (policy === 'skip') return { verb: 'skip', reason: `exists and differs: kept as it is (${mention('existingPolicy', 'skip')})`, warnings: [], diff };
  if (policy === 'recreate') return { verb: 'recreate', reason: `exists and differs: deleted and created again (${mention('existingPolicy', 'recreate')})`, warnings: [], diff };
  const immutable = immutableChanges(ref, live, desired);
  if (immutable.length) {
    return {
      verb: 'recreate',
      reason: `exists and differs in fields that cannot be updated (${immutable.join(', ')}): deleted and created again`,
      warnings: [`${ref.kind} ${live.metadata.namespace ? `${live.metadata.namespace}/` : ''}${live.metadata.name}: ${immutable.join(', ')} cannot be changed in place, so the update is a recreate`],
      diff,
    };
  }
  return { verb: 'update', reason: `exists and differs: replaced by the snapshot version (${mention('existingPolicy', 'update')})`, warnings: [], diff };
}
