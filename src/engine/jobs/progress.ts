// Each job's progress as its events tell it, with smoothed rates and the ETA: the one reducer of
// job events, read by the CLI's progress lines and the TUI's backup and restore screens.
import type { Counts, JobEvent, JobStatus } from './events.ts';
import { etaSeconds, RateMeter } from './rate.ts';

export interface JobProgress {
  id: string;
  title: string;
  status: JobStatus;
  /** What the job says it is doing; its outcome once it has ended. */
  phase: string;
  /** The last thing it said it was doing (kept once it has ended). */
  activity: string;
  counts: Counts;
  bytesPerSecond: number;
  itemsPerSecond: number;
  /** Seconds left; undefined while no total or no rate is known, and once ended. */
  eta?: number;
  error?: string;
  retries: number;
}

export class JobProgressTracker {
  private readonly jobs = new Map<string, JobProgress>();
  private readonly meters = new Map<string, { bytes: RateMeter; items: RateMeter }>();

  /** Folds one event in; returns the job's progress after it (undefined for a job never started). */
  apply(e: JobEvent): JobProgress | undefined {
    const prev = this.jobs.get(e.job);
    let next: JobProgress | undefined = prev;
    if (e.type === 'start') {
      const meters = { bytes: new RateMeter(), items: new RateMeter() };
      meters.bytes.sample(e.at, 0);
      meters.items.sample(e.at, 0);
      this.meters.set(e.job, meters);
      next = { id: e.job, title: e.title, status: 'running', phase: 'starting', activity: 'starting', counts: { bytesDone: 0, itemsDone: 0 }, bytesPerSecond: 0, itemsPerSecond: 0, retries: 0 };
    } else if (e.type === 'progress' && prev) {
      const m = this.meters.get(e.job)!;
      const counts: Counts = { bytesDone: e.bytesDone, bytesTotal: e.bytesTotal, itemsDone: e.itemsDone, itemsTotal: e.itemsTotal };
      const bytesPerSecond = m.bytes.sample(e.at, e.bytesDone);
      const itemsPerSecond = m.items.sample(e.at, e.itemsDone);
      next = { ...prev, phase: e.phase, activity: e.phase, counts, bytesPerSecond, itemsPerSecond, eta: etaSeconds(counts, bytesPerSecond, itemsPerSecond) };
    } else if (e.type === 'retry' && prev) {
      next = { ...prev, retries: prev.retries + 1 };
    } else if (e.type === 'end' && prev) {
      next = { ...prev, status: e.status, error: e.error, counts: e.counts, eta: undefined, phase: e.status };
    }
    if (next) this.jobs.set(e.job, next);
    return next;
  }

  /** Every job, in the order they started. */
  all(): JobProgress[] {
    return [...this.jobs.values()];
  }

  clear(): void {
    this.jobs.clear();
    this.meters.clear();
  }
}
