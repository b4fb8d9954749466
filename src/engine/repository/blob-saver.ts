// restic's blob saver: a blob is stored once. New data blobs go in batches to the worker threads
// to be compressed and sealed, with a bounded number of batches in flight so memory stays flat
// however large the input; tree blobs are small and sealed on this thread. Sealed blobs go to
// the pack uploader.
import { compressBlob } from './compression.ts';
import { seal, sha256 } from './crypto.ts';
import { IndexWriter } from './index-writer.ts';
import { PackUploader } from './pack-uploader.ts';
import type { BlobType } from './pack.ts';
import { WorkerPool } from './pool.ts';
import type { Repository } from './repository.ts';

export interface BlobSaverOptions {
  level: number;
  workers?: number;
  packSize: number;
  packsPerIndex: number;
}

export class BlobSaver {
  readonly index: IndexWriter;
  private pool: WorkerPool;
  private uploader: PackUploader;
  /** Blob ids (hex) sent to be stored but not yet in a written pack. */
  private pending = new Set<string>();
  private batch: Buffer[] = [];
  private batchIds: Buffer[] = [];
  private batchBytes = 0;
  private inflight = new Set<Promise<void>>();
  private readonly maxInflight: number;
  failure: Error | undefined;
  /** Bytes of new blob data sent to be stored, before compression. */
  bytesNew = 0;

  constructor(
    private repo: Repository,
    private opts: BlobSaverOptions,
  ) {
    this.pool = new WorkerPool(repo.key, opts.level, opts.workers);
    this.maxInflight = this.pool.size;
    this.index = new IndexWriter(repo, opts.packsPerIndex);
    this.uploader = new PackUploader(
      repo,
      opts.packSize,
      async (pack) => {
        await this.index.packWritten(pack);
        for (const b of pack.blobs) this.pending.delete(b.id.toString('hex'));
      },
      (e) => (this.failure ??= e),
    );
  }

  get bytesWritten(): number {
    return this.uploader.bytesWritten;
  }

  /** Whether a blob is stored or on its way to a pack. */
  has(hex: string): boolean {
    return this.pending.has(hex) || this.repo.index.has(Buffer.from(hex, 'hex'));
  }

  private claim(id: Buffer, hex: string): boolean {
    if (this.pending.has(hex) || this.repo.index.has(id)) return false;
    this.pending.add(hex);
    return true;
  }

  /** Stores a data blob unless it is known; returns its id. The chunk may be transferred. */
  async saveData(chunk: Buffer): Promise<string> {
    const id = sha256(chunk);
    const hex = id.toString('hex');
    if (!this.claim(id, hex)) return hex;
    this.bytesNew += chunk.length;
    this.batch.push(chunk);
    this.batchIds.push(id);
    this.batchBytes += chunk.length;
    if (this.batchBytes >= 4 * 1024 * 1024 || this.batch.length >= 256) await this.dispatch();
    return hex;
  }

  /** Stores a tree blob unless it is known; returns its id. */
  async saveTree(bytes: Buffer): Promise<string> {
    const id = sha256(bytes);
    const hex = id.toString('hex');
    if (!this.claim(id, hex)) return hex;
    const { plain, uncompressedLength } = compressBlob(bytes, this.opts.level);
    await this.uploader.add(id, 'tree', seal(this.repo.key, plain), uncompressedLength);
    return hex;
  }

  private async dispatch(): Promise<void> {
    if (this.batch.length === 0) return;
    const items = this.batch;
    const ids = this.batchIds;
    this.batch = [];
    this.batchIds = [];
    this.batchBytes = 0;
    while (this.inflight.size >= this.maxInflight) await Promise.race(this.inflight);
    if (this.failure) throw this.failure;
    const job: Promise<void> = this.pool
      .run(items)
      .then(async (results) => {
        for (let i = 0; i < results.length; i++) {
          const r = results[i]!;
          const sealed = Buffer.from(r.sealed.buffer, r.sealed.byteOffset, r.sealed.byteLength);
          await this.uploader.add(ids[i]!, 'data' satisfies BlobType, sealed, r.uncompressedLength);
        }
      })
      .catch((e: Error) => {
        this.failure ??= e;
      })
      .finally(() => this.inflight.delete(job));
    this.inflight.add(job);
  }

  /** Waits for every blob and pack write in flight; throws the first failure. */
  async finish(): Promise<void> {
    await this.dispatch();
    while (this.inflight.size) await Promise.all(this.inflight);
    await this.uploader.finish();
    if (this.failure) throw this.failure;
  }

  /** Lets what is in flight end (failed or not) without sending more. */
  async settle(): Promise<void> {
    this.failure ??= new Error('aborted');
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
    await this.uploader.settle();
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
