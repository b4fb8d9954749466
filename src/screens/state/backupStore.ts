import type { JobEvent } from '../../engine/jobs/events.ts';
import { JobProgressTracker, type JobProgress } from '../../engine/jobs/progress.ts';
import type { BackupRun, BackupSummary } from '../services.ts';

// The backup's live state, outside React: JobEvents mutate a draft and subscribers hear of it at
// most once per `coalesceMs`, so a flood of progress events costs a few frames, not one each.
// Rate and ETA are computed by the engine's JobProgressTracker (EWMA), never in render. Read it with useSyncExternalStore.

export type JobView = JobProgress;

export interface LogEntry {
  job: string;
  level: 'warning' | 'retry';
  message: string;
  at: number;
}

export interface BackupState {
  phase: 'idle' | 'running' | 'cancelling' | 'done' | 'failed';
  /** In the order the jobs started. */
  jobs: JobView[];
  /** The newest `maxWarnings` warnings and retries, oldest first. */
  log: LogEntry[];
  /** Warnings dropped from the front of `log` to keep it bounded. */
  dropped: number;
  summary?: BackupSummary;
  /** Why the run itself failed (the engine threw), in words. */
  error?: string;
}

const IDLE: BackupState = { phase: 'idle', jobs: [], log: [], dropped: 0 };

export class BackupStore {
  private state: BackupState = IDLE;
  private jobs = new JobProgressTracker();
  private log: LogEntry[] = [];
  private dropped = 0;
  private listeners = new Set<() => void>();
  private timer?: ReturnType<typeof setTimeout>;
  private run?: BackupRun;
  private off?: () => void;

  constructor(private readonly opts: { coalesceMs?: number; maxLog?: number } = {}) {}

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  };

  getSnapshot = (): BackupState => this.state;

  get running(): boolean {
    return this.state.phase === 'running' || this.state.phase === 'cancelling';
  }

  /** Follows a new run from its first event to its summary. */
  start(run: BackupRun): void {
    this.off?.();
    this.jobs.clear();
    this.log = [];
    this.dropped = 0;
    this.run = run;
    this.state = { ...IDLE, phase: 'running' };
    this.off = run.events((e) => this.apply(e));
    run.done.then(
      (summary) => this.finish({ phase: 'done', summary }),
      (e: Error) => this.finish({ phase: 'failed', error: e?.message ?? String(e) }),
    );
    this.flush();
  }

  cancel(): void {
    if (this.state.phase !== 'running') return;
    this.run?.cancel();
    this.state = { ...this.state, phase: 'cancelling' };
    this.flush();
  }

  apply(e: JobEvent): void {
    this.jobs.apply(e);
    if (e.type === 'warning' || e.type === 'retry') {
      const message = e.type === 'warning' ? e.message : `retry ${e.attempt} in ${(e.delayMs / 1000).toFixed(1)}s: ${e.reason}`;
      this.pushLog({ job: e.job, level: e.type, message, at: e.at });
    }
    this.schedule();
  }

  private pushLog(entry: LogEntry): void {
    this.log.push(entry);
    const max = this.opts.maxLog ?? 200;
    if (this.log.length > max) {
      this.dropped += this.log.length - max;
      this.log = this.log.slice(-max);
    }
  }

  private finish(patch: Partial<BackupState>): void {
    this.off?.();
    this.off = undefined;
    this.run = undefined;
    this.flush(patch);
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.opts.coalesceMs ?? 100);
  }

  /** Publishes the draft as a new immutable snapshot and tells every subscriber once. */
  flush(patch: Partial<BackupState> = {}): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.state = { ...this.state, jobs: this.jobs.all(), log: [...this.log], dropped: this.dropped, ...patch };
    for (const l of this.listeners) l();
  }
}
