// `repo rebuild-index`, as restic's: under an exclusive lock, the index files that load are kept
// in memory (those that do not are named and dropped), every pack the index does not know, or
// knows with another size, has its header read and indexed again, packs the index names but the
// repository lacks are forgotten, and new index files superseding all the old ones are written
// before the old ones are removed. With readAllPacks, every pack's header is read.
import { fileName } from './backend/backend.ts';
import { decodeIndexFile, encodeIndexFile, INDEX_FILE_MAX_BLOBS, type IndexPack } from './master-index.ts';
import { headerSize, parsePackTail } from './pack.ts';
import { mapLimit, type Repository } from './repository.ts';

export interface RebuildIndexReport {
  /** Index files removed (all of them: the new ones supersede them), and those that did not load. */
  indexesRemoved: number;
  invalidIndexes: string[];
  packsIndexed: number;
  /** Packs whose headers were read again. */
  packsRead: number;
  /** Packs the old index named that the repository does not have. */
  packsMissing: string[];
  /** Packs whose header cannot be read: left out of the index (prune removes them). */
  packsUnreadable: string[];
  indexesWritten: number;
}

/** A pack's blobs, from the header at its end. */
export async function readPackHeader(repo: Repository, id: string, size: number): Promise<IndexPack> {
  let tail = await repo.backend.read(fileName('data', id), -Math.min(size, 64 * 1024));
  let blobs = parsePackTail(repo.key, tail, size);
  if (!Array.isArray(blobs)) {
    tail = await repo.backend.read(fileName('data', id), -Math.min(size, blobs.need));
    blobs = parsePackTail(repo.key, tail, size);
  }
  if (!Array.isArray(blobs)) throw new Error('pack header does not fit the pack');
  return { id, blobs };
}

/** The pack size an index entry implies. */
export function indexedPackSize(p: IndexPack): number {
  return p.blobs.reduce((n, b) => Math.max(n, b.offset + b.length), 0) + headerSize(p.blobs);
}

export async function rebuildIndex(repo: Repository, opts: { readAllPacks?: boolean; onProgress?: (line: string) => void } = {}): Promise<RebuildIndexReport> {
  return repo.withLock(true, async () => {
    const report: RebuildIndexReport = { indexesRemoved: 0, invalidIndexes: [], packsIndexed: 0, packsRead: 0, packsMissing: [], packsUnreadable: [], indexesWritten: 0 };
    const oldIndexes = (await repo.backend.list('index')).map((f) => f.id);
    const known = new Map<string, IndexPack>();
    if (!opts.readAllPacks) {
      for (const id of oldIndexes) {
        try {
          for (const p of decodeIndexFile(await repo.loadUnpacked('index', id)).packs) if (!known.has(p.id)) known.set(p.id, p);
        } catch (e) {
          report.invalidIndexes.push(id);
          opts.onProgress?.(`removing invalid index ${id}: ${(e as Error).message}`);
        }
      }
    }
    const listed = await repo.backend.list('data');
    const present = new Set(listed.map((f) => f.id));
    for (const id of known.keys()) {
      if (!present.has(id)) {
        report.packsMissing.push(id);
        opts.onProgress?.(`removing not found pack file ${id}`);
      }
    }
    const packs: IndexPack[] = [];
    const toRead = listed.filter((f) => {
      const p = known.get(f.id);
      if (p && indexedPackSize(p) === f.size) {
        packs.push(p);
        return false;
      }
      opts.onProgress?.(p ? `reindexing pack file ${f.id} with unexpected size ${f.size}` : `adding pack file to index ${f.id}`);
      return true;
    });
    await mapLimit(toRead, 4, async (f) => {
      try {
        packs.push(await readPackHeader(repo, f.id, f.size));
        report.packsRead++;
      } catch (e) {
        report.packsUnreadable.push(f.id);
        opts.onProgress?.(`skipped incomplete pack file ${f.id}: ${(e as Error).message}`);
      }
    });
    packs.sort((a, b) => (a.id < b.id ? -1 : 1));
    report.packsIndexed = packs.length;

    // New index files superseding every old one, then the old ones go.
    let chunk: IndexPack[] = [];
    let blobs = 0;
    const write = async () => {
      await repo.saveUnpacked('index', encodeIndexFile(chunk, oldIndexes));
      report.indexesWritten++;
      chunk = [];
      blobs = 0;
    };
    for (const p of packs) {
      if (blobs + p.blobs.length > INDEX_FILE_MAX_BLOBS && chunk.length) await write();
      chunk.push(p);
      blobs += p.blobs.length;
    }
    if (chunk.length || report.indexesWritten === 0) await write();
    for (const id of oldIndexes) await repo.backend.remove(fileName('index', id));
    report.indexesRemoved = oldIndexes.length;
    return report;
  });
}
