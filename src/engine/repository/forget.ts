// Which snapshots a keep policy keeps, as restic's `forget` decides it: snapshots are grouped by
// hostname and paths, then, newest first, a snapshot is kept when it opens a new bucket (hour,
// day, ISO week, month, year; keep-last: every snapshot) for a rule with count left.
import { fileName } from './backend/backend.ts';
import type { Repository } from './repository.ts';
import { snapshotTimeMs, sortSnapshots, type SnapshotInfo } from './snapshot.ts';

export interface KeepPolicy {
  last?: number;
  hourly?: number;
  daily?: number;
  weekly?: number;
  monthly?: number;
  yearly?: number;
}

export const POLICY_KEYS = ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const;

function isoWeek(d: Date): number {
  const t = new Date(d.getFullYear(), d.getMonth(), d.getDate());
  const day = (t.getDay() + 6) % 7; // Monday 0
  t.setDate(t.getDate() - day + 3); // Thursday of this week decides the year
  const firstThursday = new Date(t.getFullYear(), 0, 4);
  const week = 1 + Math.round(((t.getTime() - firstThursday.getTime()) / 86_400_000 - 3 + ((firstThursday.getDay() + 6) % 7)) / 7);
  return t.getFullYear() * 100 + week;
}

const bucketOf: Record<(typeof POLICY_KEYS)[number], (d: Date, nr: number) => number> = {
  last: (_d, nr) => nr,
  hourly: (d) => ((d.getFullYear() * 100 + d.getMonth() + 1) * 100 + d.getDate()) * 100 + d.getHours(),
  daily: (d) => (d.getFullYear() * 100 + d.getMonth() + 1) * 100 + d.getDate(),
  weekly: (d) => isoWeek(d),
  monthly: (d) => d.getFullYear() * 100 + d.getMonth() + 1,
  yearly: (d) => d.getFullYear(),
};

export function policyIsEmpty(p: KeepPolicy): boolean {
  return POLICY_KEYS.every((k) => !p[k]);
}

/** What snapshots are grouped by before a policy applies to each group (restic's --group-by). */
export type GroupField = 'host' | 'paths' | 'tags';
export const GROUP_FIELDS: GroupField[] = ['host', 'paths', 'tags'];
export const DEFAULT_GROUP_BY: GroupField[] = ['host', 'paths'];

export interface ForgetGroup {
  hostname?: string;
  paths?: string[];
  tags?: string[];
  keep: number;
  remove: number;
}

export interface ForgetResult {
  keep: SnapshotInfo[];
  remove: SnapshotInfo[];
  groups: ForgetGroup[];
}

/** Splits snapshots into those the policy keeps and those it removes, group by group. */
export function applyPolicy(snapshots: SnapshotInfo[], policy: KeepPolicy, groupBy: GroupField[] = DEFAULT_GROUP_BY): ForgetResult {
  const groups = new Map<string, { group: ForgetGroup; snapshots: SnapshotInfo[] }>();
  for (const s of snapshots) {
    const group: ForgetGroup = {
      ...(groupBy.includes('host') ? { hostname: s.hostname ?? '' } : {}),
      ...(groupBy.includes('paths') ? { paths: [...s.paths].sort() } : {}),
      ...(groupBy.includes('tags') ? { tags: [...(s.tags ?? [])].sort() } : {}),
      keep: 0,
      remove: 0,
    };
    const key = JSON.stringify([group.hostname, group.paths, group.tags]);
    if (!groups.has(key)) groups.set(key, { group, snapshots: [] });
    groups.get(key)!.snapshots.push(s);
  }
  const keep: SnapshotInfo[] = [];
  const remove: SnapshotInfo[] = [];
  for (const { group: g, snapshots: group } of groups.values()) {
    const buckets = POLICY_KEYS.filter((k) => policy[k]).map((k) => ({ fn: bucketOf[k], count: policy[k]!, last: NaN }));
    sortSnapshots(group).forEach((s, nr) => {
      const d = new Date(snapshotTimeMs(s));
      let kept = false;
      for (const b of buckets) {
        if (b.count <= 0) continue;
        const v = b.fn(d, nr);
        if (v !== b.last) {
          kept = true;
          b.last = v;
          b.count--;
        }
      }
      (kept ? keep : remove).push(s);
      if (kept) g.keep++;
      else g.remove++;
    });
  }
  return { keep: sortSnapshots(keep), remove: sortSnapshots(remove), groups: [...groups.values()].map((x) => x.group) };
}

/** Removes the snapshots the policy does not keep (under an exclusive lock). */
export async function forgetSnapshots(repo: Repository, policy: KeepPolicy, opts: { dryRun?: boolean; groupBy?: GroupField[] } = {}): Promise<ForgetResult> {
  return repo.withLock(true, async () => {
    const result = applyPolicy(await repo.listSnapshots(), policy, opts.groupBy);
    if (!opts.dryRun) for (const s of result.remove) await repo.backend.remove(fileName('snapshots', s.id));
    return result;
  });
}
