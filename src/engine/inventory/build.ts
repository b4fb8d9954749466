import type Docker from 'dockerode';
import type { LifeboatConfig } from '../config/schema.ts';
import type { KubeClient } from '../kube/client.ts';
import type { Repository } from '../repository/repository.ts';
import { readManifest } from '../backup/manifest-read.ts';
import { parseReference } from '../sources/images/reference.ts';
import { sourceModules } from '../sources/registry.ts';
import { errorLine } from '../errors.ts';
import { classifyContainers } from './classify.ts';
import { classifyDatabaseWorkloads } from './database-workloads.ts';
import { applyCoverage, newestCopies, type SnapshotCapture } from './coverage.ts';
import { observe } from './observe.ts';
import type { Inventory, InventoryItem } from './types.ts';

function isReference(ref: string): boolean {
  try {
    parseReference(ref);
    return true;
  } catch {
    return false;
  }
}

export interface InventoryInput {
  config: LifeboatConfig;
  kube?: KubeClient;
  docker?: Docker;
  /** The repository, for coverage; without it nothing counts as covered. */
  repo?: Repository;
  now?: number;
  signal?: AbortSignal;
}

/** What the snapshots of a repository hold, from their manifests. */
export async function snapshotCaptures(repo: Repository): Promise<SnapshotCapture[]> {
  const out: SnapshotCapture[] = [];
  for (const snap of await repo.listSnapshots()) {
    const manifest = await readManifest(repo, snap).catch(() => undefined);
    if (manifest) out.push({ snapshot: snap.id, time: snap.time, captured: manifest.captured.map((c) => c.id) });
  }
  return out;
}

/** Observes the environment, classifies every item and works out what the backups cover. */
export async function buildInventory(input: InventoryInput): Promise<Inventory> {
  const { context, containers, warnings, unobserved } = await observe(input);
  const items: InventoryItem[] = [];
  for (const source of sourceModules()) {
    try {
      items.push(...((await source.inventory?.(context)) ?? []));
    } catch (e) {
      const reason = errorLine(e);
      warnings.push(`${source.kind}: ${reason}`);
      unobserved.push({ source: source.kind, reason });
    }
  }
  // A container's image is known when its reference parses (the images source then lists it).
  items.push(...classifyContainers(containers ?? [], (ref) => isReference(ref)));
  items.push(...classifyDatabaseWorkloads(context.cluster?.objects ?? [], input.config));
  let copies = new Map<string, { snapshot: string; time: string }>();
  if (input.repo) {
    try {
      copies = newestCopies(await snapshotCaptures(input.repo));
    } catch (e) {
      warnings.push(`repository: ${errorLine(e)}`);
    }
  }
  // A database workload is covered by its configured dump's copy.
  for (const i of items) {
    const by = i.details?.coveredBy;
    const copy = typeof by === 'string' ? copies.get(by) : undefined;
    if (copy) copies.set(i.id, copy);
  }
  const coverage = applyCoverage(items, copies, { now: input.now, rpoMs: input.config.rpo });
  return { items, coverage, generatedAt: new Date(input.now ?? Date.now()).toISOString(), warnings, unobserved };
}
