// The restore planner: from a snapshot, a scope, a target and options, every action the restore
// will take (and each it deliberately will not), with its reason, before anything is written.
import { readManifest } from '../backup/manifest-read.ts';
import type { Manifest } from '../backup/manifest.ts';
import type { Repository } from '../repository/repository.ts';
import type { SnapshotInfo } from '../repository/snapshot.ts';
import { planDatabases } from './databases.ts';
import { planEtcd } from './etcd.ts';
import { planImages } from './images.ts';
import type { Mappings } from './mappings.ts';
import { cloneWarnings } from './clone-warnings.ts';
import { planObjects } from './objects-plan.ts';
import { planPrometheus } from './prometheus.ts';
import { kindMatches, readSnapshotObjects, type SnapshotObject } from './snapshot-objects.ts';
import { didYouMean, InvalidRequestError } from '../errors.ts';
import { DEFAULT_RESTORE_SOURCES, type ObjectAction, type PlanAction, type RestoreOptions, type RestorePlan, type RestoreScope, type RestoreSource, type RestoreTarget } from './types.ts';
import { planVolumes } from './volumes.ts';
import { planBuckets } from '../sources/buckets/restore.ts';
import { planMariadb } from '../sources/mariadb/restore.ts';
import { planRedis } from '../sources/redis/restore.ts';

export interface PlanRestoreInput {
  repo: Repository;
  snapshot: SnapshotInfo;
  scope?: RestoreScope;
  target: RestoreTarget;
  options?: RestoreOptions;
  signal?: AbortSignal;
}

/** What each source's planner gets. */
export interface SourcePlanContext {
  repo: Repository;
  snapshot: SnapshotInfo;
  short: string;
  manifest?: Manifest;
  scope: RestoreScope;
  target: RestoreTarget;
  options: RestoreOptions;
  mappings: Mappings;
  /** Every object of the snapshot, and the plan's object actions (empty when objects are not restored). */
  snapshotObjects: SnapshotObject[];
  objectActions: ObjectAction[];
  /** Whether the scope narrows objects (namespaces, kinds, names, selector). */
  narrowed: boolean;
  warnings: string[];
  signal?: AbortSignal;
}

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

function describeScope(scope: RestoreScope): string {
  const parts = [
    scope.namespaces?.length ? `namespaces ${scope.namespaces.join(', ')}` : '',
    scope.kinds?.length ? `kinds ${scope.kinds.join(', ')}` : '',
    scope.names?.length ? `names ${scope.names.join(', ')}` : '',
    scope.labelSelector ? `selector ${scope.labelSelector}` : '',
    scope.sources?.length ? `among ${scope.sources.join(', ')}` : '',
  ];
  return parts.filter(Boolean).join(', ');
}

export async function planRestore(input: PlanRestoreInput): Promise<RestorePlan> {
  const { repo, snapshot } = input;
  const scope = input.scope ?? {};
  const options = input.options ?? {};
  const sources = new Set<RestoreSource>(scope.sources?.length ? scope.sources : DEFAULT_RESTORE_SOURCES);
  const short = snapshot.id.slice(0, 8);
  const warnings: string[] = [];
  await repo.loadIndex();
  const manifest = await readManifest(repo, snapshot);
  if (!manifest) warnings.push(`snapshot ${short} has no lifeboat manifest: only what its folders hold is restored`);
  const mappings: Mappings = { namespaces: options.namespaceMap ?? {}, storageClasses: options.storageClassMap ?? {}, registries: options.registryMap ?? {} };
  const snapshotObjects = sources.has('objects') || sources.has('volumes') || sources.has('images') ? await readSnapshotObjects(repo, snapshot, { signal: input.signal }) : [];
  if (sources.has('objects')) checkScope(scope, snapshotObjects, short);
  const objectActions = sources.has('objects')
    ? await planObjects({
        objects: snapshotObjects,
        scope,
        client: input.target.kube,
        policy: options.existingPolicy ?? 'skip',
        cleanup: { mappings, keepStatus: options.keepStatus, snapshot: short },
        signal: input.signal,
        warnings,
      })
    : [];
  if (sources.has('objects') && objectActions.length && !input.target.kube) warnings.push('objects: no target cluster: name one with --kubeconfig/--target-context, or leave objects out with --only');
  for (const m of Object.keys(mappings.namespaces)) {
    if (scope.namespaces?.length && !scope.namespaces.includes(m)) warnings.push(`--namespace-map names ${m}, which is not among the namespaces restored`);
  }
  if (sources.has('objects')) {
    const written = new Set(objectActions.filter((a) => a.verb !== 'skip').map((a) => a.id));
    warnings.push(...cloneWarnings(snapshotObjects, mappings, written));
  }
  const ctx: SourcePlanContext = {
    repo,
    snapshot,
    short,
    manifest,
    scope,
    target: input.target,
    options,
    mappings,
    snapshotObjects,
    objectActions,
    narrowed: Boolean(scope.namespaces?.length || scope.kinds?.length || scope.names?.length || scope.labelSelector),
    warnings,
    signal: input.signal,
  };
  const actions: PlanAction[] = [...objectActions];
  if (sources.has('volumes')) actions.push(...(await planVolumes(ctx)));
  if (sources.has('images')) actions.push(...(await planImages(ctx)));
  if (sources.has('etcd')) actions.push(...(await planEtcd(ctx)));
  if (sources.has('prometheus')) actions.push(...(await planPrometheus(ctx)));
  if (sources.has('databases')) actions.push(...(await planDatabases(ctx)));
  if (sources.has('mariadb')) actions.push(...(await planMariadb(ctx)));
  if (sources.has('redis')) actions.push(...(await planRedis(ctx)));
  if (sources.has('buckets')) actions.push(...(await planBuckets(ctx)));
  for (const a of actions) for (const w of a.warnings) warnings.push(w);
  if (ctx.narrowed && actions.length === 0) throw new InvalidRequestError(`nothing in snapshot ${short} matches ${describeScope(scope)}`);
  return {
    snapshot: { id: snapshot.id, short, time: snapshot.time, hostname: snapshot.hostname ?? '' },
    scope: { ...scope, sources: [...sources] },
    options,
    actions,
    warnings: [...new Set(warnings)],
  };
}
