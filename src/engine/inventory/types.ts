import type { SourceKind } from '../sources/types.ts';

// What the inventory says of each thing in the environment. The classifier (no React) makes
// these; `lifeboat inventory` prints them and the TUI's inventory screen browses them.

export type Verdict = 'needs-backup' | 'skippable' | 'at-risk';

export interface CoverageInfo {
  /** Newest snapshot holding the item. */
  snapshot: string;
  /** When that snapshot was taken (ISO 8601). */
  time: string;
  ageMs: number;
  /** Older than the configured RPO. */
  stale: boolean;
}

export interface InventoryItem {
  /** Stable id; equals the CapturedItem id a backup records for it, so coverage can be matched. */
  id: string;
  /** How the inventory groups rows: a namespace, or 'cluster', 'docker', 'etcd', 'registries', 'databases', 'prometheus'. */
  group: string;
  /** 'Deployment', 'Pod', 'Secret', 'Container', 'Volume', 'Image', 'Database', 'etcd', ... */
  kind: string;
  name: string;
  namespace?: string;
  verdict: Verdict;
  /** Why, in words a tired SRE reads at 3 a.m. */
  reason: string;
  /** The backup job that captures it (none for things lifeboat cannot capture). */
  source?: SourceKind;
  covered?: CoverageInfo;
  details?: Record<string, string | number | boolean>;
}

export interface CoverageFigure {
  /** needs-backup items that a snapshot holds */
  covered: number;
  /** all needs-backup items */
  total: number;
  /** covered / total, 1 when total is 0 */
  ratio: number;
  /** needs-backup items whose newest copy is older than the RPO */
  stale: number;
}

export interface Inventory {
  items: InventoryItem[];
  coverage: CoverageFigure;
  generatedAt: string;
  /** Sources that could not be read, and why. */
  warnings: string[];
  /** Sources not seen at all: what they hold, and so the coverage of it, is unknown. */
  unobserved?: { source: string; reason: string }[];
}
