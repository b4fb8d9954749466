// restic's packer manager and pack uploader: sealed tree blobs fill a pack of the target size (the
// workers fill their own data packs); a full pack is written atomically, at most two writes at a
// time, and then handed on (to the index writer).
import { fileName } from './backend/backend.ts';
import { MAX_SIZE } from './chunker.ts';
import { collectBuffers } from './collect.ts';
import type { IndexPack } from './master-index.ts';
import { PackBuilder, type BlobType, type PackedBlob } from './pack.ts';
import type { Repository } from './repository.ts';

export class PackUploader {
  private packs: Record<BlobType, PackBuilder>;
  private writes = new Set<Promise<void>>();
  /** Sealed bytes written into packs. */
  bytesWritten = 0;

  constructor(
    private repo: Repository,
    private packSize: number,
    /** Called with each pack once it is stored. */
    private onWritten: (pack: IndexPack) => Promise<void>,
    /** Called with the first failed write; the pipeline stops on it. */
    private onFailure: (e: Error) => void,
  ) {
    this.packs = { data: this.newPack(), tree: this.newPack() };
  }

  /** Room for a full pack and the blob that overflows it: reserved, not touched, until filled. */
  private newPack(): PackBuilder {
    return new PackBuilder(this.packSize + MAX_SIZE + 64 * 1024);
  }

  /** Adds a sealed blob (copied into the pack); writes the pack once it is full. */
  async add(id: Buffer, type: BlobType, sealed: Uint8Array, uncompressedLength: number): Promise<void> {
    const pack = this.packs[type];
    pack.add(id, type, sealed, uncompressedLength);
    if (pack.size >= this.packSize) await this.flush(type);
  }

  private async flush(type: BlobType): Promise<void> {
    const builder = this.packs[type];
    if (builder.count === 0) return;
    this.packs[type] = this.newPack();
    while (this.writes.size >= 2) await Promise.race(this.writes);
    const { id, bytes, blobs } = builder.finish(this.repo.key);
    const write: Promise<void> = this.upload(id, bytes, blobs)
      .catch((e: Error) => this.onFailure(e))
      .finally(() => this.writes.delete(write));
    this.writes.add(write);
  }

  /** Writes a finished pack (a worker's) and hands it on; resolves once both are done. */
  async upload(id: string, bytes: Uint8Array, blobs: PackedBlob[]): Promise<void> {
    await this.repo.backend.write(fileName('data', id), bytes);
    collectBuffers();
    this.bytesWritten += bytes.length;
    await this.onWritten({ id, blobs });
  }

  /** Writes the packs not yet full and waits for every write. */
  async finish(): Promise<void> {
    for (const t of ['data', 'tree'] as const) await this.flush(t);
    await this.settle();
  }

  /** Waits for the writes in flight (they may fail). */
  async settle(): Promise<void> {
    while (this.writes.size) await Promise.allSettled([...this.writes]);
  }
}
