import type { JobContext } from '../jobs/runner.ts';
import type { SnapshotSink } from './sink.ts';

/**
 * The sources' names. Each source's module adds its own (`declare module '../types.ts' { interface
 * SourceNames { mine: true } }`); the list, in order, is the registry's (registry.ts).
 */
export interface SourceNames {}
export type SourceKind = keyof SourceNames & string;

/** One thing a source captured, for the manifest (and for the inventory's "covered" verdict). */
export interface CapturedItem {
  /** Stable identity across backups, e.g. `kubernetes:apps/v1/deployments/shop/api`, `volume:docker/pgdata`. */
  id: string;
  /** Where it lives in the snapshot. */
  path: string;
  bytes?: number;
  items?: number;
  /** Source-specific facts: an etcd revision, an image digest, a row count. */
  details?: Record<string, string | number | boolean>;
}

/** Something seen and deliberately not captured, with the reason in words. */
export interface SkippedItem {
  id: string;
  reason: string;
}

/** Which items to capture, by id (the marked items of the TUI, `lifeboat backup --item`). */
export type ItemFilter = (id: string) => boolean;

export interface SourceResult {
  captured: CapturedItem[];
  skipped: SkippedItem[];
  /** Totals for the manifest and the summary line. */
  bytes: number;
  items: number;
  /** Facts about the source as a whole (cluster version, etcd revision...). */
  details?: Record<string, unknown>;
}

/** A backup source run as a job: it writes into the sink and reports progress through ctx. */
export interface BackupSource {
  kind: SourceKind;
  title: string;
  run(ctx: JobContext, sink: SnapshotSink): Promise<SourceResult>;
  /** What the job will do beyond copying, for a dry run (the hooks it will run), one line each. */
  preview?(signal?: AbortSignal): Promise<string[]>;
}
