// Running a restore plan: one job per source for the job runner (live progress as JobEvents),
// objects first where volumes wait for them (claims must be bound), and a report at the end.
import type { JobEventListener } from '../jobs/events.ts';
import { runJobs, type Job, type JobResult } from '../jobs/runner.ts';
import type { Repository } from '../repository/repository.ts';
import type { SnapshotInfo } from '../repository/snapshot.ts';
import type { ApplyContext } from './apply-context.ts';
import { applyDatabases } from './databases.ts';
import { applyEtcd } from './etcd.ts';
import { applyImages } from './images.ts';
import { applyObjects } from './objects-apply.ts';
import { applyPrometheus } from './prometheus.ts';
import type { ApplyResult, ItemResult, PlanAction, RestorePlan, RestoreSource, RestoreTarget } from './types.ts';
import { applyVolumes } from './volumes.ts';
import { applyBuckets } from '../sources/buckets/restore.ts';
import { applyMariadb } from '../sources/mariadb/restore.ts';
import { applyRedis } from '../sources/redis/restore.ts';

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

const TITLES: Record<RestoreSource, string> = {
  objects: 'Kubernetes objects',
  volumes: 'Volume data',
  images: 'Images',
  etcd: 'etcd',
  prometheus: 'Prometheus',
  databases: 'Databases',
  mariadb: 'MariaDB/MySQL',
  redis: 'Redis',
  buckets: 'Buckets',
};

function ofSource<S extends PlanAction['source']>(plan: RestorePlan, source: S): Extract<PlanAction, { source: S }>[] {
  return plan.actions.filter((a): a is Extract<PlanAction, { source: S }> => a.source === source);
}

/** The plan's jobs, one per source with actions; `volumes` starts once `objects` has ended. */
export function restoreJobs(ctx: ApplyContext): Job<ApplyResult>[] {
  const { plan } = ctx;
  let objectsDone: Promise<unknown> = Promise.resolve();
  const jobs: Job<ApplyResult>[] = [];
  const objects = ofSource(plan, 'objects');
  if (objects.length) {
    let done!: () => void;
    objectsDone = new Promise<void>((resolve) => (done = resolve));
    jobs.push({
      id: 'objects',
      title: TITLES.objects,
      run: (job) => applyObjects(job, objects, { client: ctx.target.kube!, waitTimeoutMs: ctx.options.waitTimeoutMs }).finally(done),
    });
  }
  const add = <S extends Exclude<RestoreSource, 'objects'>>(source: S, apply: (job: Parameters<Job['run']>[0], c: ApplyContext, a: Extract<PlanAction, { source: S }>[]) => Promise<ApplyResult>) => {
    const actions = ofSource(plan, source);
    if (actions.length) jobs.push({ id: source, title: TITLES[source], run: (job) => apply(job, ctx, actions) });
  };
  add('images', applyImages);
  add('databases', applyDatabases);
  add('mariadb', applyMariadb);
  add('redis', applyRedis);
  add('buckets', applyBuckets);
  add('prometheus', applyPrometheus);
  add('etcd', applyEtcd);
  const volumes = ofSource(plan, 'volumes');
  if (volumes.length) {
    jobs.push({
      id: 'volumes',
      title: TITLES.volumes,
      run: async (job) => {
        job.progress({ phase: objects.length ? 'waiting for the objects' : 'starting' });
        await objectsDone;
        return applyVolumes(job, ctx, volumes);
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
