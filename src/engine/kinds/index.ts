// The registry of per-kind rules: one module per kind, one line here. Backup (what is never
// captured), the inventory (what is skippable) and restore (clean-up, updates, order,
// dependencies) all read a kind's rules from here, so each is written once.
import type { KubeObject } from '../kube/client.ts';
import { apiServices } from './apiservices.ts';
import { configMaps } from './configmaps.ts';
import { controllerRevisions } from './controllerrevisions.ts';
import { customResourceDefinitions } from './customresourcedefinitions.ts';
import { daemonSets, deployments } from './deployments.ts';
import { generatedKinds } from './generated.ts';
import { jobs } from './jobs.ts';
import { namespaces } from './namespaces.ts';
import { persistentVolumeClaims } from './persistentvolumeclaims.ts';
import { persistentVolumes } from './persistentvolumes.ts';
import { pods } from './pods.ts';
import { replicaSets } from './replicasets.ts';
import { roleBindings } from './role-bindings.ts';
import { get, same, type CleanupContext, type Dependency, type KindRule, type SnapshotLookup } from './rule.ts';
import { secrets } from './secrets.ts';
import { services } from './services.ts';
import { statefulSets } from './statefulsets.ts';
import { storageClasses } from './storageclasses.ts';

export type { CleanupContext, Dependency, KindRule, SnapshotLookup } from './rule.ts';

export const KIND_RULES: readonly KindRule[] = [
  ...generatedKinds,
  customResourceDefinitions,
  namespaces,
  storageClasses,
  persistentVolumes,
  persistentVolumeClaims,
  secrets,
  configMaps,
  roleBindings,
  services,
  deployments,
  daemonSets,
  statefulSets,
  replicaSets,
  controllerRevisions,
  jobs,
  pods,
  apiServices,
];

const BY_RESOURCE = new Map(KIND_RULES.flatMap((r) => r.appliesTo.map((name) => [name, r] as const)));

/** The rule for a resource named `resource.group` (kubectl's habit), if it has one. */
export function kindRule(resourceName: string): KindRule | undefined {
  return BY_RESOURCE.get(resourceName);
}

/** Why the cluster makes this object itself (a backup leaves it out), or undefined. */
export function generatedReason(resourceName: string, obj: KubeObject): string | undefined {
  return kindRule(resourceName)?.generated?.(obj);
}

/** Why a restore must not bring this object back (its cluster makes it again), or undefined. */
export function kindSkipReason(resourceName: string, obj: KubeObject): string | undefined {
  const rule = kindRule(resourceName);
  return rule?.generated?.(obj) ?? rule?.skipReason?.(obj);
}

/** Runs the kind's clean-up on `obj` (already a copy). */
export function cleanKind(resourceName: string, obj: KubeObject, ctx: CleanupContext, changes: string[]): void {
  kindRule(resourceName)?.clean?.(obj, ctx, changes);
}

/** Immutable fields an update from `live` to `desired` would change, as dotted paths. */
export function immutableChanges(resourceName: string, live: KubeObject, desired: KubeObject): string[] {
  const rule = kindRule(resourceName);
  const out: string[] = [];
  for (const p of rule?.immutable ?? []) {
    const want = get(desired, p);
    // A field the restore leaves for the cluster to fill (a cleared clusterIP) is no change.
    if (want === undefined) continue;
    if (!same(get(live, p), want)) out.push(p.join('.'));
  }
  out.push(...(rule?.immutableChanges?.(live, desired) ?? []));
  return out;
}

/** `desired` with what the target cluster assigned in `live` kept, and live's resourceVersion. */
export function carryOver(resourceName: string, live: KubeObject, desired: KubeObject): KubeObject {
  const out = structuredClone(desired);
  out.metadata.resourceVersion = live.metadata.resourceVersion;
  const spec = out.spec as Record<string, any> | undefined;
  const liveSpec = live.spec as Record<string, any> | undefined;
  if (spec && liveSpec) kindRule(resourceName)?.carryOver?.(spec, liveSpec);
  return out;
}

/** The objects of the snapshot the kind says must come with `obj` (`what` names it). */
export function kindNeeds(resourceName: string, obj: KubeObject, what: string, find: SnapshotLookup): Dependency[] {
  return kindRule(resourceName)?.needs?.(obj, what, find) ?? [];
}
