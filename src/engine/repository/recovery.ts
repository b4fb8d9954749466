// Pack recovery: packs that no index file names are what a killed backup leaves behind. When no
// other live lock exists (no other writer whose packs are still on their way to an index), their
// headers are read and indexed, so their blobs count for dedup instead of being written again.
import { fileName } from './backend/backend.ts';
import { isStale, type LockJson } from './lock.ts';
import type { IndexPack } from './master-index.ts';
import { parsePackTail } from './pack.ts';
import { mapLimit, type Repository } from './repository.ts';

/** Indexes (in memory) the readable packs no index names; returns them for an index file. */
export async function recoverUnindexedPacks(repo: Repository, ownLockId: string): Promise<IndexPack[]> {
  const orphans = (await repo.backend.list('data')).filter((f) => !repo.index.hasPack(f.id));
  if (orphans.length === 0) return [];
  for (const f of await repo.backend.list('locks')) {
    if (f.id === ownLockId) continue;
    try {
      if (!isStale(await repo.loadJson<LockJson>('locks', f.id))) return [];
    } catch {
      // a lock that went away
    }
  }
  const found: IndexPack[] = [];
  await mapLimit(orphans, 4, async (f) => {
    try {
      let tail = await repo.backend.read(fileName('data', f.id), -Math.min(f.size, 64 * 1024));
      let blobs = parsePackTail(repo.key, tail, f.size);
      if (!Array.isArray(blobs)) {
        tail = await repo.backend.read(fileName('data', f.id), -blobs.need);
        blobs = parsePackTail(repo.key, tail, f.size);
      }
      if (!Array.isArray(blobs)) return;
      const pack = { id: f.id, blobs };
      repo.index.addPack(pack);
      found.push(pack);
    } catch {
      // not a readable pack: prune removes it
    }
  });
  return found;
}
