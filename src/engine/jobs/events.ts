// The typed progress events every backup and restore job emits. The CLI prints them, the TUI's
// store batches them into frames, and the manifest records their totals.

export type JobStatus = 'pending' | 'running' | 'ok' | 'failed' | 'cancelled';

export interface Counts {
  bytesDone: number;
  bytesTotal?: number;
  itemsDone: number;
  itemsTotal?: number;
}

export type JobEvent =
  | { type: 'start'; job: string; title: string; at: number }
  | ({ type: 'progress'; job: string; phase: string; at: number } & Counts)
  | { type: 'warning'; job: string; message: string; at: number }
  | { type: 'retry'; job: string; attempt: number; delayMs: number; reason: string; at: number }
  | { type: 'end'; job: string; status: Exclude<JobStatus, 'pending' | 'running'>; error?: string; at: number; counts: Counts };

export type JobEventListener = (event: JobEvent) => void;
