import type { ProbeResult } from '../engine/environment/probe.ts';
import type { Inventory } from '../engine/inventory/types.ts';
import type { JobEventListener } from '../engine/jobs/events.ts';
import type { SnapshotContents } from '../engine/restore/contents.ts';
import type { RestoreReport } from '../engine/restore/restore.ts';
import type { RestoreOptions, RestorePlan, RestoreScope } from '../engine/restore/types.ts';
import type { SourceKind } from '../engine/sources/types.ts';

// What the UI may ask of the engine. The CLI builds it (src/screens/run.tsx); tests build it over
// real jobs and a lab. The UI itself does no I/O, so every screen can be driven with these alone.

/** One snapshot as the backups screen lists it. */
export interface SnapshotSummary {
  id: string;
  /** The first 8 hex digits, as restic shows them. */
  shortId: string;
  /** ISO 8601. */
  time: string;
  hostname?: string;
  tags: string[];
  /** The sources the snapshot holds. */
  sources: SourceKind[];
  /** Bytes captured, from the manifest; undefined when unknown. */
  bytes?: number;
  status: 'complete' | 'partial';
}

/** One job's outcome in a finished backup. */
export interface JobOutcome {
  job: string;
  title: string;
  status: 'ok' | 'failed' | 'cancelled';
  error?: string;
  bytes: number;
  items: number;
  /** Things seen and not captured (with reasons in the manifest). */
  skipped: number;
  warnings: number;
}

/** What a finished backup says: complete only when every job is ok; failed when nothing was captured. */
export interface BackupSummary {
  /** The snapshot written; undefined when nothing was written (nothing captured, or cancelled). */
  snapshotId?: string;
  status: 'complete' | 'partial' | 'failed';
  jobs: JobOutcome[];
}

/** A backup or a restore in flight. Events start after the current tick, so a subscriber added at once misses none. */
export interface Run<T> {
  /** Subscribes to the run's JobEvents; returns the unsubscribe. */
  events(listener: JobEventListener): () => void;
  /** Asks the run to stop; `done` then resolves with what was done. */
  cancel(): void;
  done: Promise<T>;
}

export type BackupRun = Run<BackupSummary>;
/** A restore in flight: `done` resolves with the report (never rejects for a failed item). */
export type RestoreRun = Run<RestoreReport>;

/** What the restore wizard asks for: a snapshot, what of it, where to, and how. */
export interface RestoreRequest {
  /** The snapshot's id. */
  snapshot: string;
  scope: RestoreScope;
  /** The kubeconfig context to restore into; undefined: the current one. */
  targetContext?: string;
  options: RestoreOptions;
}

/** A plan made for a request; nothing has been written. */
export interface PlannedRestore {
  request: RestoreRequest;
  plan: RestorePlan;
  /** The target context's name (what the confirmation asks to type), undefined with no cluster. */
  context?: string;
}

/** One in-cluster schedule as the schedules screen shows it. */
export interface ScheduleRow {
  name: string;
  cron: string;
  suspended: boolean;
  /** ISO 8601, or undefined when it never runs. */
  nextRun?: string;
  lastRun?: { job: string; status: 'complete' | 'partial' | 'failed'; completionTime?: string; bytes?: number; message?: string };
  /** Runs in progress, with each node's work where the run hands work to node agents. */
  running: { job: string; startTime?: string; nodes: { node: string; phase: string; bytesDone?: number; bytesTotal?: number }[] }[];
}

/** The cluster's lifeboat installation, when there is one. */
export interface ScheduleServices {
  /** The namespace lifeboat is installed in. */
  namespace: string;
  list(): Promise<ScheduleRow[]>;
  /** Starts a run now; resolves with the Job's name. */
  runNow(name: string): Promise<string>;
}

export interface TuiServices {
  /** The kubeconfig context, or undefined with no cluster. */
  context?: string;
  /** The config file in use, or undefined. */
  configFile?: string;
  /** Where the repository is (a path or a URL), or undefined when none is configured. */
  repository?: string;
  /** The time now (ms since the epoch); ages on screen are measured against it. */
  now(): number;
  /** Checks every configured source. */
  probe(): Promise<ProbeResult[]>;
  /** Classifies everything the sources can see (with coverage from the repository). */
  loadInventory(): Promise<Inventory>;
  /** Starts a backup of everything, or of the items with these inventory ids. */
  startBackup(opts: { items?: string[] }): BackupRun;
  /** The snapshots in the repository, newest first. */
  listSnapshots(): Promise<SnapshotSummary[]>;
  /** A snapshot's /lifeboat/manifest.json, parsed. */
  readManifest(id: string): Promise<unknown>;
  /** What a snapshot holds: sources with counts, objects per namespace and per resource. */
  snapshotContents(id: string): Promise<SnapshotContents>;
  /** Plans a restore; writes nothing. */
  planRestore(request: RestoreRequest, signal?: AbortSignal): Promise<PlannedRestore>;
  /** Runs a plan made by planRestore, into the same target. */
  startRestore(planned: PlannedRestore): RestoreRun;
  /** In-cluster schedules (`lifeboat install`); undefined with no cluster. */
  schedules?: ScheduleServices;
}
