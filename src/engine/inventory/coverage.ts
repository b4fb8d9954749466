import type { CoverageFigure, CoverageInfo, InventoryItem } from './types.ts';

/** A snapshot's time and what its manifest says it captured. */
export interface SnapshotCapture {
  snapshot: string;
  time: string;
  captured: Iterable<string>;
}

/** The newest snapshot holding each item id. */
export function newestCopies(snapshots: SnapshotCapture[]): Map<string, { snapshot: string; time: string }> {
  const out = new Map<string, { snapshot: string; time: string }>();
  for (const s of [...snapshots].sort((a, b) => Date.parse(b.time) - Date.parse(a.time))) {
    for (const id of s.captured) if (!out.has(id)) out.set(id, { snapshot: s.snapshot, time: s.time });
  }
  return out;
}

/**
 * Marks each item with its newest copy, and sums up: needs-backup items covered over all
 * needs-backup items. An at-risk item whose data a snapshot now holds is no longer at risk of
 * loss for want of a copy, so it becomes needs-backup (covered) — except a bare Pod or a writable
 * layer, whose risk a backup does not remove.
 */
export function applyCoverage(items: InventoryItem[], copies: Map<string, { snapshot: string; time: string }>, opts: { now?: number; rpoMs?: number } = {}): CoverageFigure {
  const now = opts.now ?? Date.now();
  let covered = 0;
  let total = 0;
  let stale = 0;
  for (const item of items) {
    const copy = copies.get(item.id);
    if (copy) {
      const ageMs = now - Date.parse(copy.time);
      const info: CoverageInfo = { ...copy, ageMs, stale: opts.rpoMs !== undefined && ageMs > opts.rpoMs };
      item.covered = info;
      if (item.verdict === 'at-risk' && (item.kind === 'Image' || item.kind === 'PV data')) {
        item.verdict = 'needs-backup';
        item.reason = `${item.reason} (a backup holds it)`;
      }
    }
    if (item.verdict !== 'needs-backup') continue;
    total++;
    if (item.covered) {
      covered++;
      if (item.covered.stale) stale++;
    }
  }
  return { covered, total, stale, ratio: total === 0 ? 1 : covered / total };
}
