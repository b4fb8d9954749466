// restic's index saver: packs written by a backup are named in a new index file every few packs
// (and at the end), so a backup killed half-way leaves at most a few packs that no index names.
import { encodeIndexFile, INDEX_FILE_MAX_BLOBS, type IndexPack } from './master-index.ts';
import type { Repository } from './repository.ts';

export class IndexWriter {
  private unindexed: IndexPack[] = [];
  private blobs = 0;

  constructor(
    private repo: Repository,
    private packsPerIndex: number,
  ) {}

  /** A pack now stored: its blobs count for dedup at once, and go into the next index file. */
  async packWritten(pack: IndexPack): Promise<void> {
    for (const b of pack.blobs) this.repo.index.add(pack.id, b);
    await this.add(pack);
  }

  /** A pack already in the in-memory index (found by recovery) that no index file names yet. */
  async add(pack: IndexPack): Promise<void> {
    this.unindexed.push(pack);
    this.blobs += pack.blobs.length;
    if (this.unindexed.length >= this.packsPerIndex || this.blobs >= INDEX_FILE_MAX_BLOBS) await this.flush();
  }

  /** Writes an index file for every pack not yet named in one. */
  async flush(): Promise<void> {
    if (this.unindexed.length === 0) return;
    const packs = this.unindexed;
    this.unindexed = [];
    this.blobs = 0;
    const id = await this.repo.saveUnpacked('index', encodeIndexFile(packs));
    this.repo.indexFiles.add(id);
  }
}
