// The restore planner: from a snapshot, a scope, a target and options, every action the restore
// will take (and each it deliberately will not), with its reason, before anything is written.
import { readManifest } from '../backup/manifest-read.ts';
import type { Manifest } from '../backup/manifest.ts';
import type { Repository } from '../repository/repository.ts';
import type { SnapshotInfo } from '../repository/snapshot.ts';
import type { Mappings } from './mappings.ts';
import { readSnapshotObjects, type SnapshotObject } from './snapshot-objects.ts';
import { InvalidRequestError } from '../errors.ts';
import { defaultRestoreSources, restoreModules } from '../sources/registry.ts';
import type { ObjectAction, PlanAction, RestoreOptions, RestorePlan, RestoreScope, RestoreSource, RestoreTarget } from './types.ts';
import { mention } from '../mentions.ts';

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
  /**
   * Every object of the snapshot (when a planner in scope reads them), and the plan's object
   * actions (set by the objects' planner, which runs first; empty when objects are not restored).
   */
  snapshotObjects: SnapshotObject[];
  objectActions: ObjectAction[];
  /** Whether the scope narrows objects (namespaces, kinds, names, selector). */
  narrowed: boolean;
  warnings: string[];
  signal?: AbortSignal;
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
  const sources = new Set<RestoreSource>(scope.sources?.length ? scope.sources : defaultRestoreSources());
  const short = snapshot.id.slice(0, 8);
  const warnings: string[] = [];
  await repo.loadIndex();
  const manifest = await readManifest(repo, snapshot);
  if (!manifest) warnings.push(`snapshot ${short} has no lifeboat manifest: only what its folders hold is restored`);
  const mappings: Mappings = { namespaces: options.namespaceMap ?? {}, storageClasses: options.storageClassMap ?? {}, registries: options.registryMap ?? {} };
  const planners = restoreModules().filter((m) => sources.has(m.restore.name));
  const snapshotObjects = planners.some((m) => m.restore.readsObjects) ? await readSnapshotObjects(repo, snapshot, { signal: input.signal }) : [];
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
    objectActions: [],
    narrowed: Boolean(scope.namespaces?.length || scope.kinds?.length || scope.names?.length || scope.labelSelector),
    warnings,
    signal: input.signal,
  };
  for (const m of Object.keys(mappings.namespaces)) {
    if (scope.namespaces?.length && !scope.namespaces.includes(m)) warnings.push(`${mention('namespaceMap')} names ${m}, which is not among the namespaces restored`);
  }
  const actions: PlanAction[] = [];
  for (const m of planners) actions.push(...(await m.restore.plan(ctx)));
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
