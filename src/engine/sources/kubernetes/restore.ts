// Planning the objects of a restore: the scope checked against the snapshot, one action per object
// (src/engine/restore/objects-plan.ts, with the kind rules), and the warnings of a clone.
import { cloneWarnings } from '../../restore/clone-warnings.ts';
import { planObjects } from '../../restore/objects-plan.ts';
import type { SourcePlanContext } from '../../restore/plan.ts';
import { kindMatches, type SnapshotObject } from '../../restore/snapshot-objects.ts';
import { didYouMean, InvalidRequestError } from '../../errors.ts';
import type { ObjectAction, RestoreScope } from '../../restore/types.ts';
import { mention } from '../../mentions.ts';

/** Kinds and namespaces the scope names must be in the snapshot: a typo would plan nothing, and say nothing. */
function checkScope(scope: RestoreScope, objects: SnapshotObject[], short: string): void {
  for (const k of scope.kinds ?? []) {
    if (objects.some((o) => kindMatches(o.ref, [k]))) continue;
    const known = objects.flatMap((o) => [o.ref.kind, o.ref.resource]);
    throw new InvalidRequestError(`snapshot ${short} holds no object of kind '${k}'${didYouMean(k, known)}`);
  }
  const namespaces = new Set(objects.flatMap((o) => [o.object.metadata.namespace ?? '', o.ref.resource === 'namespaces' ? o.object.metadata.name : '']).filter(Boolean));
  for (const ns of scope.namespaces ?? []) {
    if (!namespaces.has(ns)) throw new InvalidRequestError(`snapshot ${short} holds nothing of namespace '${ns}'${didYouMean(ns, namespaces)}`);
  }
}

export async function planObjectActions(ctx: SourcePlanContext): Promise<ObjectAction[]> {
  const { scope, mappings, warnings } = ctx;
  checkScope(scope, ctx.snapshotObjects, ctx.short);
  const actions = await planObjects({
    objects: ctx.snapshotObjects,
    scope,
    client: ctx.target.kube,
    policy: ctx.options.existingPolicy ?? 'skip',
    cleanup: { mappings, keepStatus: ctx.options.keepStatus, snapshot: ctx.short },
    signal: ctx.signal,
    warnings,
  });
  if (actions.length && !ctx.target.kube) warnings.push(`objects: no target cluster: name one with ${mention('kubeconfig')}/${mention('targetContext')}, or leave objects out with ${mention('restoreSources')}`);
  const written = new Set(actions.filter((a) => a.verb !== 'skip').map((a) => a.id));
  warnings.push(...cloneWarnings(ctx.snapshotObjects, mappings, written));
  // The other planners read what the objects restore (volumes: the claims it brings back).
  ctx.objectActions = actions;
  return actions;
}
