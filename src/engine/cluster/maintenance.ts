// Repository maintenance for the in-cluster schedules: each schedule's retention (restic's
// forget rules, over the snapshots tagged with the schedule), then prune, then check. Each step
// runs under the repository's exclusive lock, so never while a backup holds its shared lock: a
// held lock is waited for (restic's lock rules decide what is stale; nothing else is removed).
import { fileName } from '../repository/backend/backend.ts';
import { checkRepository } from '../repository/check.ts';
import { RepositoryLockedError } from '../repository/errors.ts';
import { applyPolicy, policyIsEmpty, type KeepPolicy } from '../repository/forget.ts';
import { pruneRepository } from '../repository/prune.ts';
import type { Repository } from '../repository/repository.ts';

export interface MaintenanceOptions {
  schedules: { name: string; keep: KeepPolicy }[];
  prune?: boolean;
  check?: boolean;
  /** How long to wait for a lock held by a backup. */
  waitLockMs: number;
  log(line: string): void;
  signal?: AbortSignal;
}

export interface MaintenanceReport {
  forgotten: { schedule: string; kept: string[]; removed: string[] }[];
  pruned?: { packsDeleted: number; bytesFreed: number };
  check?: { errors: string[]; snapshots: number };
}

/** Runs `fn` under the exclusive lock, waiting while another holder (a backup) has the repository. */
async function exclusively<T>(repo: Repository, o: MaintenanceOptions, what: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + o.waitLockMs;
  let said = '';
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof RepositoryLockedError)) throw e;
      if (e.message !== said) o.log(`${what}: waiting: ${e.message}`);
      said = e.message;
      if (Date.now() > deadline) throw new RepositoryLockedError(`${what} gave up after ${Math.round(o.waitLockMs / 1000)} s: ${e.message}`);
      if (o.signal?.aborted) throw o.signal.reason;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

export async function runMaintenance(repo: Repository, o: MaintenanceOptions): Promise<MaintenanceReport> {
  const report: MaintenanceReport = { forgotten: [] };
  const withPolicy = o.schedules.filter((s) => !policyIsEmpty(s.keep));
  if (withPolicy.length) {
    await exclusively(repo, o, 'forget', () =>
      repo.withLock(true, async () => {
        const all = await repo.listSnapshots();
        for (const s of withPolicy) {
          const mine = all.filter((x) => (x.tags ?? []).includes(`schedule:${s.name}`));
          // One group per schedule: its complete and partial runs alike count toward the policy.
          const result = applyPolicy(mine, s.keep, []);
          for (const r of result.remove) await repo.backend.remove(fileName('snapshots', r.id));
          report.forgotten.push({ schedule: s.name, kept: result.keep.map((x) => x.id), removed: result.remove.map((x) => x.id) });
          o.log(`forget ${s.name}: kept ${result.keep.length}, removed ${result.remove.length}`);
        }
      }),
    );
  }
  if (o.prune !== false) {
    const p = await exclusively(repo, o, 'prune', () => pruneRepository(repo, (line) => o.log(`prune: ${line}`)));
    report.pruned = { packsDeleted: p.packsDeleted, bytesFreed: p.bytesFreed };
    o.log(`prune: ${p.packsDeleted} packs deleted, ${p.bytesFreed} bytes freed`);
  }
  if (o.check !== false) {
    const c = await exclusively(repo, o, 'check', () => repo.withLock(true, () => checkRepository(repo)));
    report.check = { errors: c.errors, snapshots: c.snapshots };
    o.log(`check: ${c.snapshots} snapshots, ${c.errors.length ? c.errors.join('; ') : 'no errors'}`);
  }
  return report;
}
