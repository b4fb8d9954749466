import os from 'node:os';
import { runJobs, type JobResult } from '../jobs/runner.ts';
import type { JobEventListener } from '../jobs/events.ts';
import type { Repository } from '../repository/repository.ts';
import { openSnapshotSink } from '../sources/repository-sink.ts';
import { SNAPSHOT_PATHS } from '../sources/sink.ts';
import { sourceModule } from '../sources/registry.ts';
import { buildManifest, type Manifest } from './manifest.ts';
import type { BackupPlan } from './plan.ts';
import { PLAIN_WORDS, wordAll } from '../mentions.ts';

export interface BackupRunOptions {
  repo: Repository;
  plan: BackupPlan;
  /** lifeboat's version, recorded in the manifest. */
  version: string;
  cluster?: Manifest['cluster'];
  hostname?: string;
  /** Extra tags on the snapshot. */
  tags?: string[];
  concurrency?: number;
  signal?: AbortSignal;
  onEvent?: JobEventListener;
}

export interface BackupReport {
  /** The snapshot id; undefined when the backup was cancelled or failed (nothing was committed). */
  snapshot?: string;
  /** failed: no job captured anything, so no snapshot was written (an empty one would look like a backup). */
  status: 'complete' | 'partial' | 'failed' | 'cancelled';
  manifest: Manifest;
  results: JobResult[];
}

/** The tags that tell in `lifeboat snapshots` what kind of backup a snapshot is. */
export function snapshotTags(manifest: Manifest, extra: string[] = []): string[] {
  const kinds = manifest.jobs.filter((j) => j.status === 'ok').map((j) => j.kind);
  return ['lifeboat', manifest.status, ...kinds, ...extra];
}

/**
 * Runs every source of the plan as a job into one snapshot. A failed job does not stop the
 * others: the snapshot is then marked partial and its manifest says which job failed and why.
 * Cancelled, nothing is committed, so a half-finished backup never looks finished.
 */
export async function runBackup(opts: BackupRunOptions): Promise<BackupReport> {
  const startedAt = Date.now();
  const hostname = opts.hostname ?? os.hostname();
  // The newest lifeboat snapshot of this host is the parent: unchanged volume files are not read again.
  // (listSnapshots is newest first.)
  const parent = (await opts.repo.listSnapshots()).find((s) => s.hostname === hostname && s.tags?.includes('lifeboat'));
  const { writer, sink } = await openSnapshotSink(opts.repo, { signal: opts.signal, parent: parent?.id });
  let results: JobResult[];
  try {
    results = await runJobs(
      opts.plan.sources.map((s) => ({ id: s.kind, title: s.title, run: (ctx) => s.run(ctx, sink) })),
      { concurrency: opts.concurrency ?? 3, signal: opts.signal, onEvent: opts.onEvent },
    );
  } catch (e) {
    await writer.abort();
    throw e;
  } finally {
    opts.plan.close();
  }
  const manifest = buildManifest({
    version: opts.version,
    hostname,
    startedAt,
    endedAt: Date.now(),
    cluster: opts.cluster,
    notConfigured: opts.plan.notConfigured,
    kinds: opts.plan.sources.map((s) => s.kind),
    results,
    warnings: [...opts.plan.warnings, ...results.flatMap((r) => r.warnings.map((w) => `${r.id}: ${w}`))],
  });
  if (opts.signal?.aborted || results.some((r) => r.status === 'cancelled')) {
    await writer.abort();
    return { status: 'cancelled', manifest, results };
  }
  if (!results.some((r) => r.status === 'ok') && manifest.captured.length === 0) {
    await writer.abort();
    return { status: 'failed', manifest, results };
  }
  // Stored, the manifest says what its messages mention in plain words (no front end words it).
  await writer.addBytes(SNAPSHOT_PATHS.manifest, JSON.stringify(wordAll(manifest, PLAIN_WORDS), null, 2));
  const snapshot = await writer.commit({ tags: snapshotTags(manifest, opts.tags), hostname, parent: parent?.id, paths: opts.plan.sources.map((s) => sourceModule(s.kind)?.snapshotPath ?? `/${s.kind}`) });
  return { snapshot, status: manifest.status, manifest, results };
}
