// The backup sources lifeboat knows, in the order their jobs are planned and listed. Backup,
// inventory, `lifeboat info`, the config validator and restore read sources only from here: a new
// source is its folder (see source.ts) and one line in SOURCES.
import type { Shape } from '../config/schema.ts';
import type { RestoreSource } from '../restore/types.ts';
import { bucketsSourceModule } from './buckets/index.ts';
import { databasesSourceModule } from './databases/index.ts';
import { etcdSourceModule } from './etcd/index.ts';
import { imagesSourceModule } from './images/index.ts';
import { kubernetesSourceModule } from './kubernetes/index.ts';
import { mariadbSourceModule } from './mariadb/index.ts';
import { prometheusSourceModule } from './prometheus/index.ts';
import { redisSourceModule } from './redis/index.ts';
import type { SourceModule, SourceRestore } from './source.ts';
import type { SourceKind } from './types.ts';
import { volumesSourceModule } from './volumes/index.ts';

const SOURCES: SourceModule[] = [
  kubernetesSourceModule,
  etcdSourceModule,
  volumesSourceModule,
  imagesSourceModule,
  prometheusSourceModule,
  databasesSourceModule,
  mariadbSourceModule,
  redisSourceModule,
  bucketsSourceModule,
];

/** Every source, in registry order. */
export function sourceModules(): readonly SourceModule[] {
  return SOURCES;
}

/** Every source's name (what `lifeboat backup --only` takes). */
export function sourceKinds(): SourceKind[] {
  return SOURCES.map((s) => s.kind);
}

export function sourceModule(kind: string): SourceModule | undefined {
  return SOURCES.find((s) => s.kind === kind);
}

/** The source an item id belongs to, from its prefix (`kubernetes:`, `volume:`, ...). */
export function sourceOfItem(id: string): SourceKind | undefined {
  const prefix = id.slice(0, id.indexOf(':'));
  return SOURCES.find((s) => s.itemPrefix === prefix)?.kind;
}

/** The restorable sources, in plan order. */
export function restoreModules(): (SourceModule & { restore: SourceRestore })[] {
  return SOURCES.filter((s): s is SourceModule & { restore: SourceRestore } => s.restore !== undefined).sort((a, b) => a.restore.order - b.restore.order);
}

/** What a restore's scope may name (`lifeboat restore --only`), in plan order. */
export function restoreSources(): RestoreSource[] {
  return restoreModules().map((s) => s.restore.name);
}

/** What a restore restores when its scope names no source. */
export function defaultRestoreSources(): RestoreSource[] {
  return restoreModules().filter((s) => s.restore.byDefault).map((s) => s.restore.name);
}

export function restoreModule(name: string): (SourceModule & { restore: SourceRestore }) | undefined {
  return restoreModules().find((s) => s.restore.name === name);
}

/** The restore name of a backup source (`kubernetes` -> `objects`). */
export function restoreNameOf(kind: string): RestoreSource | undefined {
  return sourceModule(kind)?.restore?.name;
}

/** lifeboat.yaml's whole shape: the general sections, then each source's. */
export function configShape(general: Record<string, Shape>): Record<string, Shape> {
  const shape = { ...general };
  for (const s of SOURCES) Object.assign(shape, s.config.shape);
  return shape;
}

/**
 * Adds a source at run time (after the built-in ones) and returns how to take it out again: for
 * tests and embedders; a source of the product is a line in SOURCES.
 */
export function addSource(source: SourceModule): () => void {
  if (sourceModule(source.kind) || SOURCES.some((s) => s.itemPrefix === source.itemPrefix)) throw new Error(`a source named ${source.kind} (or with item prefix ${source.itemPrefix}) is registered already`);
  SOURCES.push(source);
  return () => {
    const i = SOURCES.indexOf(source);
    if (i >= 0) SOURCES.splice(i, 1);
  };
}
