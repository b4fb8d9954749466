// Running a restore plan: one job per source for the job runner (live progress as JobEvents),
// a source that waits for another starts once that one has ended (volumes wait for the objects:
// claims must be bound), and a report at the end.
import type { JobEventListener } from '../jobs/events.ts';
import { runJobs, type Job, type JobResult } from '../jobs/runner.ts';
import type { Repository } from '../repository/repository.ts';
import type { SnapshotInfo } from '../repository/snapshot.ts';
import type { ApplyContext } from './apply-context.ts';
import { restoreModules } from '../sources/registry.ts';
import type { ApplyResult, ItemResult, RestorePlan, RestoreTarget } from './types.ts';

export interface RestoreRunOptions {
  repo: Repository;
  snapshot: SnapshotInfo;
  plan: RestorePlan;
  target: RestoreTarget;
  signal?: AbortSignal;
  onEvent?: JobEventListener;
  concurrency?: number;
}

export interface RestoreReport {
  status: 'ok' | 'failed' | 'cancelled';
  results: JobResult<ApplyResult>[];
  items: ItemResult[];
  totals: Record<ItemResult['outcome'], number>;
  notes: string[];
}

/**
 * The plan's jobs, one per source with actions, in plan order. A source that waits for others
 * (volumes wait for the objects: claims must be bound) starts once their jobs have ended.
 */
export function restoreJobs(ctx: ApplyContext): Job<ApplyResult>[] {
  const { plan } = ctx;
  const ended = new Map<string, Promise<unknown>>();
  const jobs: Job<ApplyResult>[] = [];
  for (const source of restoreModules()) {
    const { name, title, waitsFor = [] } = source.restore;
    const actions = plan.actions.filter((a) => a.source === name);
    if (!actions.length) continue;
    let done!: () => void;
    ended.set(name, new Promise<void>((resolve) => (done = resolve)));
    jobs.push({
      id: name,
      title,
      run: async (job) => {
        try {
          const before = waitsFor.filter((w) => ended.has(w));
          if (waitsFor.length) job.progress({ phase: before.length ? `waiting for the ${before.join(' and ')}` : 'starting' });
          await Promise.all(before.map((w) => ended.get(w)));
          return await source.restore.apply(job, ctx, actions);
        } finally {
          done();
        }
      },
    });
  }
  return jobs;
}

/** Runs the plan; never throws for a failed item: the report says what failed and why. */
export async function runRestore(opts: RestoreRunOptions): Promise<RestoreReport> {
  const ctx: ApplyContext = { repo: opts.repo, snapshot: opts.snapshot, plan: opts.plan, target: opts.target, options: opts.plan.options };
  await opts.repo.loadIndex();
  const jobs = restoreJobs(ctx);
  // Everything but volumes runs at once; volumes wait on objects inside their job.
  const results = (await runJobs(jobs, { concurrency: opts.concurrency ?? jobs.length, signal: opts.signal, onEvent: opts.onEvent })) as JobResult<ApplyResult>[];
  const items: ItemResult[] = [];
  const notes: string[] = [];
  for (const r of results) {
    if (r.value) {
      items.push(...r.value.items);
      notes.push(...(r.value.notes ?? []));
    } else if (r.status !== 'ok') {
      // A job that died: each of its actions is failed (or cancelled) with the job's reason.
      for (const a of opts.plan.actions.filter((x) => x.source === r.id)) items.push({ id: a.id, title: a.title, outcome: 'failed', reason: r.error ?? r.status });
    }
  }
  const totals = { created: 0, updated: 0, recreated: 0, restored: 0, skipped: 0, failed: 0 };
  for (const i of items) totals[i.outcome]++;
  const status = results.some((r) => r.status === 'cancelled') ? 'cancelled' : totals.failed || results.some((r) => r.status === 'failed') ? 'failed' : 'ok';
  return { status, results, items, totals, notes };
}
