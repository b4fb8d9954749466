// What lifeboat knows about one kind of object beyond the generic rules: one small module per
// kind (Velero's restore actions, in spirit), registered in ./index.ts. Every hook is pure, so a
// kind's rules are tested on plain objects, without a cluster.
import type { KubeObject } from '../kube/client.ts';
import type { Mappings } from '../restore/mappings.ts';
import { mention } from '../mentions.ts';

export interface CleanupContext {
  mappings: Mappings;
  keepStatus?: boolean;
  /** The snapshot's short id, for the restored-from label. */
  snapshot: string;
  /** PersistentVolumes this restore brings back (static ones): claims keep their binding to them. */
  restoredVolumes?: ReadonlySet<string>;
}

/** An object of the snapshot another one needs, and as what ("the volume of PersistentVolumeClaim shop/data"). */
export interface Dependency {
  object: KubeObject | undefined;
  as: string;
}

/** Finds objects of the snapshot by resource name (`resource.group`). */
export type SnapshotLookup = (resource: string, test: (obj: KubeObject) => boolean) => KubeObject | undefined;

export interface KindRule {
  /** Resource names, kubectl's `resource.group` (`deployments.apps`, `services`). */
  appliesTo: string[];
  /** The restore phase (see ../restore/order.ts); a kind without one goes by the phase table. */
  phase?: string;
  /** Why the cluster makes this object itself: not captured by a backup, skipped by a restore. */
  generated?(obj: KubeObject): string | undefined;
  /** Why a restore must not bring this (captured) object back. */
  skipReason?(obj: KubeObject): string | undefined;
  /** Clears or maps, in `obj` (a copy), what the target cluster writes itself; one line per change. */
  clean?(obj: KubeObject, ctx: CleanupContext, changes: string[]): void;
  /** Paths the API server will not change in place. */
  immutable?: string[][];
  /** Immutable parts that depend on the object (an immutable Secret's data). */
  immutableChanges?(live: KubeObject, desired: KubeObject): string[];
  /** Copies into an update's spec what the target assigned in the live spec. */
  carryOver?(spec: Record<string, any>, liveSpec: Record<string, any>): void;
  /** Objects of the snapshot that must come with this one. */
  needs?(obj: KubeObject, what: string, find: SnapshotLookup): Dependency[];
}

export const get = (o: unknown, path: string[]): unknown => path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), o);
export const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export function deleteKeys(rec: Record<string, unknown> | undefined, keys: string[], where: string, changes: string[], why: string): void {
  if (!rec) return;
  const gone = keys.filter((k) => rec[k] !== undefined);
  for (const k of gone) delete rec[k];
  if (gone.length) changes.push(`cleared ${gone.map((k) => `${where}${k}`).join(', ')} (${why})`);
}

export function mapStorageClass(spec: Record<string, any> | undefined, ctx: CleanupContext, changes: string[], where: string): void {
  const from = spec?.storageClassName as string | undefined;
  if (!from) return;
  const to = ctx.mappings.storageClasses[from];
  if (to && to !== from) {
    spec!.storageClassName = to;
    changes.push(`${where} ${from} -> ${to} (${mention('storageClassMap')})`);
  }
}

/** The controller that owns the object, if any. */
export const controllerOf = (obj: KubeObject) => obj.metadata.ownerReferences?.find((o) => o.controller);

/** Immutable data of a Secret or ConfigMap marked `immutable: true`. */
export function immutableData(live: KubeObject, desired: KubeObject): string[] {
  if (live.immutable !== true) return [];
  return ['data', 'stringData', 'binaryData'].filter((k) => !same(live[k], desired[k]));
}
