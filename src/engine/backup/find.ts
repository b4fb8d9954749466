import { NotFoundError } from '../repository/errors.ts';
import type { Repository } from '../repository/repository.ts';
import type { SnapshotInfo } from '../repository/snapshot.ts';

/** Whether `lifeboat backup` made this snapshot (and not restic or a path backup). */
export function isLifeboatBackup(s: Pick<SnapshotInfo, 'tags'>): boolean {
  return s.tags?.includes('lifeboat') ?? false;
}

/**
 * A backup by id, id prefix or `latest`, where `latest` is the newest snapshot `lifeboat backup`
 * made: a newer restic or path snapshot in the same repository holds no environment to restore.
 */
export async function findBackup(repo: Repository, ref: string): Promise<SnapshotInfo> {
  if (ref !== 'latest') return repo.findSnapshot(ref);
  const all = await repo.listSnapshots();
  const newest = all.find(isLifeboatBackup); // listSnapshots is newest first
  if (newest) return newest;
  const others = all.length ? ` (its ${all.length} snapshot${all.length === 1 ? ' was' : 's were'} not made by lifeboat backup)` : '';
  throw new NotFoundError(`the repository at ${repo.backend.location} holds no lifeboat backup yet${others}`);
}
