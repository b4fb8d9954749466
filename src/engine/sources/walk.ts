// Folders from disk into the snapshot, with progress: a quick pre-walk gives the totals, then
// the sink copies the tree and reports running counts. Volumes and Prometheus TSDB snapshots
// both go through here.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { JobContext } from '../jobs/runner.ts';
import type { SnapshotSink, TreeProgress } from './sink.ts';

/** Bytes (of regular files) and entries (files, folders, links) below `dir`; links are not followed. */
export async function measureTree(dir: string, signal?: AbortSignal): Promise<TreeProgress> {
  const total: TreeProgress = { bytes: 0, items: 0 };
  const stack = [dir];
  while (stack.length) {
    signal?.throwIfAborted();
    const d = stack.pop()!;
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(d, { withFileTypes: true });
    } catch {
      continue; // unreadable: the copy itself will say so
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      total.items++;
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile()) total.bytes += (await fs.lstat(p).catch(() => undefined))?.size ?? 0;
    }
  }
  return total;
}

/** Running totals of a job that copies several trees one after another. */
export interface TreeTally {
  done: TreeProgress;
  total: TreeProgress;
}

/**
 * Adds `dir` at `snapshotPath`, reporting progress as the tally's done counts plus this tree's
 * running counts; adds the tree's counts to `tally.done` at the end and returns them.
 */
export async function addTreeWithProgress(
  ctx: JobContext,
  sink: SnapshotSink,
  snapshotPath: string,
  dir: string,
  tally: TreeTally,
  phase: string,
): Promise<TreeProgress> {
  const report = (p: TreeProgress) =>
    ctx.progress({
      phase,
      bytesDone: tally.done.bytes + p.bytes,
      itemsDone: tally.done.items + p.items,
      bytesTotal: Math.max(tally.total.bytes, tally.done.bytes + p.bytes),
      itemsTotal: Math.max(tally.total.items, tally.done.items + p.items),
    });
  report({ bytes: 0, items: 0 });
  const got = await sink.addTree(snapshotPath, dir, { onProgress: report, signal: ctx.signal });
  tally.done.bytes += got.bytes;
  tally.done.items += got.items;
  report({ bytes: 0, items: 0 });
  return got;
}
