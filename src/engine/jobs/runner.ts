import { setMaxListeners } from 'node:events';
import type { Counts, JobEvent, JobEventListener, JobStatus } from './events.ts';
import { withRetry, type RetryOptions } from './retry.ts';
import { errorLine } from '../errors.ts';

export interface JobContext {
  /** Aborted when the whole run is cancelled. */
  signal: AbortSignal;
  /** Reports absolute counts (and optionally a phase); the runner throttles what it emits. */
  progress(update: Partial<Counts> & { phase?: string }): void;
  warn(message: string): void;
  /** withRetry, with each retry reported as an event of this job. */
  retry<T>(fn: (attempt: number) => Promise<T>, opts?: Omit<RetryOptions, 'signal' | 'onRetry'>): Promise<T>;
}

/**
 * Thrown by a job that did part of its work: the job fails with this message, and what it did
 * (`value`) is kept, so a source that could not list one collection still keeps the others.
 */
export class IncompleteError<R = unknown> extends Error {
  constructor(
    message: string,
    readonly value: R,
  ) {
    super(message);
    this.name = 'IncompleteError';
  }
}

export interface Job<R = unknown> {
  id: string;
  title: string;
  run(ctx: JobContext): Promise<R>;
}

export interface JobResult<R = unknown> {
  id: string;
  title: string;
  status: Exclude<JobStatus, 'pending' | 'running'>;
  error?: string;
  value?: R;
  counts: Counts;
  warnings: string[];
  startedAt?: number;
  endedAt: number;
}

export interface RunOptions {
  /** Jobs running at once. */
  concurrency?: number;
  signal?: AbortSignal;
  onEvent?: JobEventListener;
  /** Least time between two progress events of one job. */
  progressIntervalMs?: number;
  now?: () => number;
}

/**
 * Runs jobs with bounded concurrency. A failed job does not stop the others; cancelling the run
 * aborts the running jobs and marks the pending ones cancelled.
 */
export async function runJobs(jobs: Job[], opts: RunOptions = {}): Promise<JobResult[]> {
  const now = opts.now ?? Date.now;
  const emit = (e: JobEvent) => opts.onEvent?.(e);
  const interval = opts.progressIntervalMs ?? 100;
  const results: JobResult[] = new Array(jobs.length);
  let next = 0;

  async function runOne(index: number): Promise<void> {
    const job = jobs[index]!;
    const counts: Counts = { bytesDone: 0, itemsDone: 0 };
    const warnings: string[] = [];
    if (opts.signal?.aborted) {
      results[index] = { id: job.id, title: job.title, status: 'cancelled', counts, warnings, endedAt: now() };
      emit({ type: 'end', job: job.id, status: 'cancelled', at: now(), counts });
      return;
    }
    const controller = new AbortController();
    // Every request of a job listens on its signal; many run at once.
    setMaxListeners(256, controller.signal);
    const onAbort = () => controller.abort(opts.signal!.reason);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const startedAt = now();
    let phase = 'starting';
    let lastEmit = 0;
    const emitProgress = (force: boolean) => {
      const at = now();
      if (!force && at - lastEmit < interval) return;
      lastEmit = at;
      emit({ type: 'progress', job: job.id, phase, at, ...counts });
    };
    const ctx: JobContext = {
      signal: controller.signal,
      progress(update) {
        const phaseChanged = update.phase !== undefined && update.phase !== phase;
        if (update.phase !== undefined) phase = update.phase;
        for (const k of ['bytesDone', 'bytesTotal', 'itemsDone', 'itemsTotal'] as const) {
          if (update[k] !== undefined) counts[k] = update[k];
        }
        emitProgress(phaseChanged);
      },
      warn(message) {
        warnings.push(message);
        emit({ type: 'warning', job: job.id, message, at: now() });
      },
      retry(fn, retryOpts) {
        return withRetry(fn, {
          ...retryOpts,
          signal: controller.signal,
          onRetry: ({ attempt, delayMs, reason }) => emit({ type: 'retry', job: job.id, attempt, delayMs, reason, at: now() }),
        });
      },
    };
    emit({ type: 'start', job: job.id, title: job.title, at: startedAt });
    try {
      const value = await job.run(ctx);
      emitProgress(true);
      results[index] = { id: job.id, title: job.title, status: 'ok', value, counts, warnings, startedAt, endedAt: now() };
    } catch (e) {
      const cancelled = controller.signal.aborted;
      results[index] = {
        id: job.id,
        title: job.title,
        status: cancelled ? 'cancelled' : 'failed',
        error: cancelled ? 'cancelled' : errorLine(e),
        ...(!cancelled && e instanceof IncompleteError ? { value: e.value } : {}),
        counts,
        warnings,
        startedAt,
        endedAt: now(),
      };
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
    const r = results[index]!;
    emit({ type: 'end', job: job.id, status: r.status, error: r.error, at: r.endedAt, counts });
  }

  const workers = Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 3, jobs.length)) }, async () => {
    while (next < jobs.length) await runOne(next++);
  });
  await Promise.all(workers);
  return results;
}
