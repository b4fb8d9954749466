// Prune: removes the data no snapshot uses. Under an exclusive lock: find every blob the
// snapshots use, keep packs that hold only used blobs, rewrite packs that hold some (copying the
// used blobs, checked, into new packs), then write one new index that supersedes all old ones,
// and only then delete the old index files and the packs no longer needed. Packs no index names
// (from interrupted backups) are deleted too, and so are the temporary files of interrupted writes
// (`*-tmp-*`): the exclusive lock means no writer is still busy with one. With an index file that
// does not load, prune stops before changing anything: its packs would look unused.
import { fileName } from './backend/backend.ts';
import { decodeIndexFile, encodeIndexFile, INDEX_FILE_MAX_BLOBS, type IndexPack } from './master-index.ts';
import { PackBuilder, type BlobType } from './pack.ts';
import { mapLimit, type Repository } from './repository.ts';
import { RepositoryError } from './errors.ts';
import { mention } from '../mentions.ts';

export interface PruneReport {
  packsDeleted: number;
  packsRewritten: number;
  packsWritten: number;
  blobsRemoved: number;
  temporaryRemoved: number;
  bytesFreed: number;
}

const PACK_SIZE = 16 * 1024 * 1024;

/** Every blob id (hex) used by the repository's snapshots: trees and file contents. */
export async function usedBlobs(repo: Repository): Promise<Set<string>> {
  const used = new Set<string>();
  const visit = async (treeId: string): Promise<void> => {
    if (used.has(treeId)) return;
    used.add(treeId);
    const tree = await repo.loadTree(treeId);
    for (const n of tree.nodes) {
      for (const c of n.content ?? []) used.add(c);
      if (n.subtree) await visit(n.subtree);
    }
  };
  for (const s of await repo.listSnapshots({ strict: true })) await visit(s.tree);
  return used;
}

export async function pruneRepository(repo: Repository, onProgress?: (line: string) => void): Promise<PruneReport> {
  return repo.withLock(true, async () => {
    const report: PruneReport = { packsDeleted: 0, packsRewritten: 0, packsWritten: 0, blobsRemoved: 0, temporaryRemoved: 0, bytesFreed: 0 };
    const indexFiles = (await repo.backend.list('index')).map((f) => f.id);
    const packs = new Map<string, IndexPack>();
    for (const id of indexFiles) {
      let decoded;
      try {
        decoded = decodeIndexFile(await repo.loadUnpacked('index', id));
      } catch (e) {
        throw new RepositoryError(`index ${id} cannot be read (${(e as Error).message}): run ${mention('repoRebuildIndex')} first; prune stopped without changing anything`);
      }
      for (const p of decoded.packs) if (!packs.has(p.id)) packs.set(p.id, p);
    }
    await repo.loadIndex();
    const used = await usedBlobs(repo);
    const listed = new Map((await repo.backend.list('data')).map((f) => [f.id, f.size]));

    const keepPacks: IndexPack[] = [];
    const rewrite: IndexPack[] = [];
    const remove: string[] = [];
    const placed = new Set<string>();
    // Packs holding only used blobs first, so duplicates are dropped from the others.
    const ordered = [...packs.values()].filter((p) => listed.has(p.id));
    const fullyUsed = (p: IndexPack) => p.blobs.every((b) => used.has(b.id.toString('hex')));
    ordered.sort((a, b) => Number(fullyUsed(b)) - Number(fullyUsed(a)));
    for (const p of ordered) {
      const wanted = p.blobs.filter((b) => {
        const hex = b.id.toString('hex');
        return used.has(hex) && !placed.has(hex);
      });
      for (const b of wanted) placed.add(b.id.toString('hex'));
      report.blobsRemoved += p.blobs.length - wanted.length;
      if (wanted.length === p.blobs.length) keepPacks.push(p);
      else if (wanted.length === 0) remove.push(p.id);
      else rewrite.push({ id: p.id, blobs: wanted });
    }
    for (const hex of used) {
      if (!placed.has(hex)) throw new RepositoryError(`blob ${hex} is used by a snapshot but in no pack: run ${mention('repoCheck')}; prune stopped without changing anything`);
    }
    for (const id of listed.keys()) if (!packs.has(id)) remove.push(id);

    // Copy the used blobs of partly used packs into new packs.
    const written: IndexPack[] = [];
    const builders: Record<BlobType, PackBuilder> = { data: new PackBuilder(), tree: new PackBuilder() };
    const flush = async (t: BlobType) => {
      const b = builders[t];
      if (b.count === 0) return;
      builders[t] = new PackBuilder();
      const { id, bytes, blobs } = b.finish(repo.key);
      await repo.backend.write(fileName('data', id), bytes);
      written.push({ id, blobs });
      report.packsWritten++;
    };
    for (const p of rewrite) {
      const bytes = await repo.backend.read(fileName('data', p.id));
      for (const b of p.blobs) {
        const sealed = bytes.subarray(b.offset, b.offset + b.length);
        repo.decodeBlob(b.id.toString('hex'), sealed, b.uncompressedLength);
        builders[b.type].add(b.id, b.type, Buffer.from(sealed), b.uncompressedLength);
        if (builders[b.type].size >= PACK_SIZE) await flush(b.type);
      }
      report.packsRewritten++;
      onProgress?.(`rewrote pack ${p.id.slice(0, 8)}`);
    }
    await flush('data');
    await flush('tree');

    // One new index (split at the size limit) superseding all the old ones, then deletions.
    const all = [...keepPacks, ...written];
    let chunk: IndexPack[] = [];
    let blobs = 0;
    const newIndexes: Buffer[] = [];
    for (const p of all) {
      if (blobs + p.blobs.length > INDEX_FILE_MAX_BLOBS && chunk.length) {
        newIndexes.push(encodeIndexFile(chunk, indexFiles));
        chunk = [];
        blobs = 0;
      }
      chunk.push(p);
      blobs += p.blobs.length;
    }
    if (chunk.length || newIndexes.length === 0) newIndexes.push(encodeIndexFile(chunk, indexFiles));
    for (const bytes of newIndexes) await repo.saveUnpacked('index', bytes);
    for (const id of indexFiles) await repo.backend.remove(fileName('index', id));
    const toDelete = [...remove, ...rewrite.map((p) => p.id)];
    await mapLimit(toDelete, 4, async (id) => {
      report.bytesFreed += listed.get(id) ?? 0;
      await repo.backend.remove(fileName('data', id));
    });
    report.packsDeleted = toDelete.length;
    // The packs changed under this open repository: its in-memory index must name the new ones
    // (a check or backup in the same process would otherwise read packs just deleted).
    await repo.refreshIndex();
    for (const t of (await repo.backend.listTemporary?.()) ?? []) {
      await repo.backend.remove(t.id);
      report.bytesFreed += t.size;
      report.temporaryRemoved++;
    }
    for (const p of written) report.bytesFreed -= listed.get(p.id) ?? p.blobs.reduce((n, b) => n + b.length, 0);
    return report;
  });
}
