// Clean-up: what the source cluster wrote into an object that the target cluster must write
// again itself (identities, versions, owners, status), and which objects a restore must not
// bring back at all. The rules every object shares are here; each kind's own are in ../kinds.
// Each change is noted in words for the plan.
import type { KubeObject } from '../kube/client.ts';
import { resourceName } from '../kube/discovery.ts';
import { cleanKind, kindSkipReason, type CleanupContext } from '../kinds/index.ts';
import { deleteKeys } from '../kinds/rule.ts';
import { mapImages, mapNamespace } from './mappings.ts';
import { RESTORED_FROM_LABEL, type ObjectRef } from './types.ts';
import { mention } from '../mentions.ts';

export type { CleanupContext } from '../kinds/index.ts';

const GENERIC_METADATA = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds'];

/** `deployments.apps`, `configmaps`: the name kind rules are registered under. */
export const resourceNameOf = (ref: Pick<ObjectRef, 'resource' | 'group'>): string => resourceName(ref);

/** Why an object of the snapshot must not be restored (its cluster makes it again), or undefined. */
export function skipReason(ref: Pick<ObjectRef, 'resource' | 'group'>, obj: KubeObject): string | undefined {
  return kindSkipReason(resourceName(ref), obj);
}

/**
 * The object as it is to be written to the target: a deep copy, cleaned and mapped, labelled
 * with the snapshot. `changes` says what was done, one line each.
 */
export function cleanObject(ref: ObjectRef, source: KubeObject, ctx: CleanupContext): { object: KubeObject; changes: string[] } {
  const obj = structuredClone(source);
  const changes: string[] = [];
  const m = obj.metadata;
  obj.apiVersion = ref.apiVersion;
  obj.kind = ref.kind;

  deleteKeys(m, GENERIC_METADATA, 'metadata.', changes, 'the target cluster sets them');
  if (m.generateName && m.name) {
    delete m.generateName;
    changes.push('cleared metadata.generateName (the name is kept)');
  }
  if (m.ownerReferences?.length) {
    changes.push(`cleared ownerReferences to ${m.ownerReferences.map((o) => `${o.kind} ${o.name}`).join(', ')} (their uids change in a restore)`);
    delete m.ownerReferences;
  }
  if (obj.status !== undefined && !ctx.keepStatus) {
    delete obj.status;
    changes.push('cleared status (its controllers rebuild it)');
  }
  if (ref.namespaced && m.namespace) {
    const to = mapNamespace(ctx.mappings, m.namespace);
    if (to !== m.namespace) {
      changes.push(`namespace ${m.namespace} -> ${to} (${mention('namespaceMap')})`);
      m.namespace = to;
    }
  }
  cleanKind(resourceName(ref), obj, ctx, changes);
  changes.push(...mapImages(ctx.mappings, ref.kind, obj));
  m.labels = { ...(m.labels ?? {}), [RESTORED_FROM_LABEL]: ctx.snapshot };
  return { object: obj, changes };
}
