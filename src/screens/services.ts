import type { ProbeResult } from '../engine/environment/probe.ts';
import type { Inventory } from '../engine/inventory/types.ts';
import type { JobEventListener } from '../engine/jobs/events.ts';
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

/** What a finished backup says: complete only when every job is ok. */
export interface BackupSummary {
  /** The snapshot written; undefined when nothing was written (all jobs failed or cancelled). */
  snapshotId?: string;
  status: 'complete' | 'partial';
  jobs: JobOutcome[];
}

/** A backup in flight. Events start after the current tick, so a subscriber added at once misses none. */
export interface BackupRun {
  /** Subscribes to the run's JobEvents; returns the unsubscribe. */
  events(listener: JobEventListener): () => void;
  /** Asks the run to stop; `done` then resolves with a partial summary. */
  cancel(): void;
  done: Promise<BackupSummary>;
}

export interface TuiServices {
  /** The kubeconfig context, or undefined with no cluster. */
  context?: string;
  /** The config file in use, or undefined. */
  configFile?: string;
  /** Where the repository is (a path or a URL), or undefined when none is configured. */
  repository?: string;
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
}
