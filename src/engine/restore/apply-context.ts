import type { JobContext } from '../jobs/runner.ts';
import { errorLine } from '../errors.ts';
import type { Repository } from '../repository/repository.ts';
import type { SnapshotInfo } from '../repository/snapshot.ts';
import type { ItemResult, RestoreOptions, RestorePlan, RestoreTarget } from './types.ts';

/** What every applier runs with. */
export interface ApplyContext {
  repo: Repository;
  snapshot: SnapshotInfo;
  plan: RestorePlan;
  target: RestoreTarget;
  options: RestoreOptions;
}

/** Whether a folder holds anything (a missing one does not). */
export function hasEntries(dir: string, fs: typeof import('node:fs')): boolean {
  try {
    return fs.readdirSync(dir).length > 0;
  } catch {
    return false;
  }
}

/**
 * Runs `fn` for each action that is not a skip, one after the other: a skip is reported with its
 * reason, a throw is that item's failure (the others go on), progress counts items.
 */
export async function applyEach<A extends { id: string; title: string; verb: string; reason: string }>(
  job: JobContext,
  actions: A[],
  fn: (a: A, item: { id: string; title: string }) => Promise<ItemResult>,
): Promise<ItemResult[]> {
  const items: ItemResult[] = [];
  for (const a of actions) {
    const item = { id: a.id, title: a.title };
    if (a.verb === 'skip') {
      items.push({ ...item, outcome: 'skipped', reason: a.reason });
      continue;
    }
    try {
      items.push(await fn(a, item));
    } catch (e) {
      if (job.signal.aborted) throw e;
      items.push({ ...item, outcome: 'failed', reason: errorLine(e) });
    }
    job.progress({ itemsDone: items.length });
  }
  return items;
}
