import type { JobResult } from '../jobs/runner.ts';
import type { CapturedItem, SkippedItem, SourceKind, SourceResult } from '../sources/types.ts';

export const MANIFEST_FORMAT = 'lifeboat-manifest/1';

export interface ManifestJob {
  kind: SourceKind;
  title: string;
  status: 'ok' | 'failed' | 'cancelled';
  /** Why it failed, in one line. */
  error?: string;
  bytes: number;
  items: number;
  warnings: string[];
  startedAt?: string;
  endedAt: string;
  details?: Record<string, unknown>;
}

/** What a snapshot holds and how it went; stored at /lifeboat/manifest.json in the snapshot. */
export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  lifeboat: string;
  hostname: string;
  startedAt: string;
  endedAt: string;
  status: 'complete' | 'partial';
  cluster?: { context: string; server: string; version?: string };
  /** Sources asked for but not configured, with the reason. */
  notConfigured: { kind: SourceKind; reason: string }[];
  jobs: ManifestJob[];
  captured: (CapturedItem & { source: SourceKind })[];
  skipped: (SkippedItem & { source: SourceKind })[];
  warnings: string[];
}

const iso = (ms?: number) => (ms === undefined ? undefined : new Date(ms).toISOString());

export function buildManifest(input: {
  version: string;
  hostname: string;
  startedAt: number;
  endedAt: number;
  cluster?: Manifest['cluster'];
  notConfigured: Manifest['notConfigured'];
  kinds: SourceKind[];
  results: JobResult[];
  warnings: string[];
}): Manifest {
  const jobs: ManifestJob[] = [];
  const captured: Manifest['captured'] = [];
  const skipped: Manifest['skipped'] = [];
  input.results.forEach((r, i) => {
    const kind = input.kinds[i]!;
    const value = r.value as SourceResult | undefined;
    jobs.push({
      kind,
      title: r.title,
      status: r.status,
      error: r.error,
      bytes: value?.bytes ?? r.counts.bytesDone,
      items: value?.items ?? r.counts.itemsDone,
      warnings: r.warnings,
      startedAt: iso(r.startedAt),
      endedAt: iso(r.endedAt)!,
      details: value?.details,
    });
    for (const c of value?.captured ?? []) captured.push({ ...c, source: kind });
    for (const s of value?.skipped ?? []) skipped.push({ ...s, source: kind });
  });
  return {
    format: MANIFEST_FORMAT,
    lifeboat: input.version,
    hostname: input.hostname,
    startedAt: iso(input.startedAt)!,
    endedAt: iso(input.endedAt)!,
    status: jobs.every((j) => j.status === 'ok') ? 'complete' : 'partial',
    cluster: input.cluster,
    notConfigured: input.notConfigured,
    jobs,
    captured,
    skipped,
    warnings: input.warnings,
  };
}
