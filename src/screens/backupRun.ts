import type { JobEvent, JobEventListener } from '../engine/jobs/events.ts';
import type { JobResult } from '../engine/jobs/runner.ts';
import type { BackupSummary, JobOutcome, Run } from './services.ts';

// The glue between the engine's way of running a backup or a restore (a function taking a signal and an
// event callback) and the UI's Run (subscribe, cancel, done). Events that come before the
// first subscriber are kept and replayed to it, so no start event is ever lost.

export function backupRun<T = BackupSummary>(start: (opts: { signal: AbortSignal; onEvent: JobEventListener }) => Promise<T>): Run<T> {
  const controller = new AbortController();
  const listeners = new Set<JobEventListener>();
  let early: JobEvent[] | undefined = [];
  const onEvent = (e: JobEvent) => {
    if (early) early.push(e);
    for (const l of listeners) l(e);
  };
  // Started on the next microtask, after the caller had its chance to subscribe.
  const done = Promise.resolve().then(() => start({ signal: controller.signal, onEvent }));
  return {
    events(listener) {
      if (early) {
        for (const e of early) listener(e);
        early = undefined;
      }
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    cancel: () => controller.abort(new Error('cancelled by the user')),
    done,
  };
}

/** A job's outcome from the runner's result (a source's result gives the skipped count). */
export function outcomeOf(r: JobResult): JobOutcome {
  const value = r.value as { skipped?: unknown[]; bytes?: number; items?: number } | undefined;
  return {
    job: r.id,
    title: r.title,
    status: r.status,
    error: r.error,
    bytes: value?.bytes ?? r.counts.bytesDone,
    items: value?.items ?? r.counts.itemsDone,
    skipped: Array.isArray(value?.skipped) ? value.skipped.length : 0,
    warnings: r.warnings.length,
  };
}

/** Complete only when every job is ok; failed when nothing was cancelled and no snapshot was written. */
export function summaryOf(results: JobResult[], snapshotId?: string): BackupSummary {
  const jobs = results.map(outcomeOf);
  const status = jobs.every((j) => j.status === 'ok') ? 'complete' : !snapshotId && !jobs.some((j) => j.status === 'cancelled') ? 'failed' : 'partial';
  return { snapshotId, status, jobs };
}
