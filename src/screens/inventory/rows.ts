import type { InventoryItem } from '../../engine/inventory/types.ts';
import { formatAge } from '../../components/format.ts';

// Inventory items as table rows, computed once per inventory (not per frame): the verdict as a
// word and a glyph name, the coverage or reason note, a lower-case search text for `/`, and the
// order: namespaces (cluster-scoped first), then Docker, etcd, registries, databases, Prometheus.

export type Level = 'ok' | 'warn' | 'danger' | 'dim';

export interface InventoryRow {
  item: InventoryItem;
  glyph: 'ok' | 'warn' | 'danger' | 'skip';
  level: Level;
  verdict: string;
  note: string;
  search: string;
}

const TAIL_GROUPS = ['docker', 'etcd', 'registries', 'databases', 'prometheus'];

function groupRank(group: string): [number, string] {
  if (group === 'cluster') return [0, ''];
  const tail = TAIL_GROUPS.indexOf(group);
  return tail >= 0 ? [2 + tail, ''] : [1, group];
}

export function compareItems(a: InventoryItem, b: InventoryItem): number {
  const [ra, na] = groupRank(a.group);
  const [rb, nb] = groupRank(b.group);
  return ra - rb || na.localeCompare(nb) || a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name);
}

/** What the row says of coverage: covered and when, stale, or not at all. */
export function coverageNote(item: InventoryItem, now: number): string {
  const c = item.covered;
  if (!c) return 'NOT covered by any backup';
  const age = formatAge(now - Date.parse(c.time));
  return c.stale ? `STALE: newest copy ${age} (${c.snapshot.slice(0, 8)})` : `covered ${age} (${c.snapshot.slice(0, 8)})`;
}

export function toRow(item: InventoryItem, now: number): InventoryRow {
  let row: Omit<InventoryRow, 'item' | 'search'>;
  if (item.verdict === 'at-risk') row = { glyph: 'danger', level: 'danger', verdict: 'at risk', note: item.reason };
  else if (item.verdict === 'skippable') row = { glyph: 'skip', level: 'dim', verdict: 'skippable', note: item.reason };
  else {
    const ok = item.covered && !item.covered.stale;
    row = { glyph: ok ? 'ok' : 'warn', level: ok ? 'ok' : 'warn', verdict: 'needs backup', note: coverageNote(item, now) };
  }
  const search = `${row.verdict} ${item.verdict} ${item.group} ${item.kind} ${item.name} ${row.note}`.toLowerCase();
  return { item, ...row, search };
}

export function inventoryRows(items: readonly InventoryItem[], now: number): InventoryRow[] {
  return [...items].sort(compareItems).map((i) => toRow(i, now));
}

/** The rows on screen: without skippable ones when hidden, and matching the filter's words. */
export function visibleRows(rows: InventoryRow[], opts: { hideSkippable: boolean; filter: string }): InventoryRow[] {
  const words = opts.filter.toLowerCase().split(/\s+/).filter(Boolean);
  if (!opts.hideSkippable && words.length === 0) return rows;
  return rows.filter((r) => !(opts.hideSkippable && r.item.verdict === 'skippable') && words.every((w) => r.search.includes(w)));
}

/** "42 need backup · 3 at risk · 1,189 skippable". */
export function verdictCounts(rows: InventoryRow[]): Record<InventoryItem['verdict'], number> {
  const n = { 'needs-backup': 0, skippable: 0, 'at-risk': 0 };
  for (const r of rows) n[r.item.verdict]++;
  return n;
}
