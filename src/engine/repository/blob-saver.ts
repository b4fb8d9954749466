// restic's blob saver: a blob is stored once. Files go in batches to the worker threads, which
// read, chunk, hash, claim (in the shared BlobSet), compress and seal them into their own packs,
// and to this thread, which does the same between its other work (one worker fewer: a worker
// thread's heap and buffers cost more memory than this thread's share of the work);
// stream chunks, cut on this thread, go in batches to be compressed and sealed there too; tree
// blobs are small and sealed here. A bounded number of batches is in flight, so memory stays flat
// however large the input. Finished packs go to the pack uploader.
import os from 'node:os';
import { BlobSet } from './blob-set.ts';
import { Chunker } from './chunker.ts';
import { compressBlob } from './compression.ts';
import { seal, sha256 } from './crypto.ts';
import { fileChunks } from './file-saver.ts';
import { IndexWriter } from './index-writer.ts';
import { PackFiller } from './pack-filler.ts';
import type { IndexPack } from './master-index.ts';
import type { PackedBlob } from './pack.ts';
import { PackUploader } from './pack-uploader.ts';
import { ENTRY, WorkerPool, type FileResult, type WorkMessage, type WorkRequest } from './pool.ts';
import type { Repository } from './repository.ts';

export interface BlobSaverOptions {
  level: number;
  workers?: number;
  packSize: number;
  packsPerIndex: number;
}

/** A file's content: its blob ids in order and its size. */
export interface Content {
  content: string[];
  size: number;
}

interface FileJob {
  path: string;
  resolve: (c: Content) => void;
  reject: (e: Error) => void;
}

/** Batches close at this many bytes (files: as lstat saw them) or items. */
const BATCH_BYTES = 4 * 1024 * 1024;
const BATCH_ITEMS = 256;

export class BlobSaver {
  readonly index: IndexWriter;
  private pool: WorkerPool;
  private uploader: PackUploader;
  private set: BlobSet;
  /** Ids (hex) claimed on this thread while the shared set was too full to take them. */
  private overflow = new Set<string>();
  private files: FileJob[] = [];
  private fileBytes = 0;
  private flushSoon = false;
  private chunks: Buffer[] = [];
  private chunkIds: Buffer[] = [];
  private chunkBytes = 0;
  private inflight = new Set<Promise<void>>();
  private readonly maxInflight: number;
  /** This thread's own share of the files: its chunker and data pack, and a written pack's buffer to fill again. */
  private chunker: Chunker;
  private filler: PackFiller;
  private spare: Buffer | undefined;
  private localBusy = false;
  failure: Error | undefined;
  /** Bytes of new blob data stored, before compression. */
  bytesNew = 0;
  /** Bytes the workers read from files. */
  bytesRead = 0;

  constructor(
    private repo: Repository,
    private opts: BlobSaverOptions,
  ) {
    // This thread is one of the `workers`; at least one worker thread for streams.
    const threads = Math.max(1, (opts.workers ?? os.availableParallelism()) - 1);
    this.pool = new WorkerPool(repo.key, opts.level, repo.gear, opts.packSize, threads);
    this.maxInflight = this.pool.size * 2 + 1;
    this.chunker = new Chunker(repo.gear);
    this.filler = new PackFiller(repo.key, opts.level, opts.packSize, () => {
      const b = this.spare;
      this.spare = undefined;
      return b;
    });
    this.set = new BlobSet(Math.max(65536, repo.index.size * 4));
    for (const id of repo.index.blobIds()) this.set.claim(id);
    this.index = new IndexWriter(repo, opts.packsPerIndex);
    this.uploader = new PackUploader(
      repo,
      opts.packSize,
      async (pack) => {
        await this.index.packWritten(pack);
        for (const b of pack.blobs) this.overflow.delete(b.id.toString('hex'));
      },
      (e) => this.fail(e),
    );
  }

  private fail(e: Error): void {
    this.failure ??= e;
    this.pool.stop();
  }

  get bytesWritten(): number {
    return this.uploader.bytesWritten;
  }

  /** Blobs of packs found by recovery: known from now on. */
  known(pack: IndexPack): void {
    for (const b of pack.blobs) this.claim(b.id);
  }

  /** Whether a blob is stored or on its way to a pack. */
  has(hex: string): boolean {
    const id = Buffer.from(hex, 'hex');
    return this.set.has(id) || this.overflow.has(hex) || this.repo.index.has(id);
  }

  /** Claims a blob on this thread: true when it is new (the caller stores it). */
  private claim(id: Buffer): boolean {
    const r = this.set.claim(id);
    if (r !== undefined) return r;
    const hex = id.toString('hex');
    if (this.overflow.has(hex) || this.repo.index.has(id)) return false;
    this.overflow.add(hex);
    return true;
  }

  /**
   * Queues a file to be read and stored by a worker; resolves once it is queued (waiting while
   * the workers are busy) with its content to come.
   */
  async saveFile(path: string, sizeHint: number): Promise<{ content: Promise<Content> }> {
    if (this.failure) throw this.failure;
    const content = new Promise<Content>((resolve, reject) => this.files.push({ path, resolve, reject }));
    content.catch(() => {}); // awaited by the caller later; a failure must not go unhandled meanwhile
    this.fileBytes += sizeHint;
    if (this.fileBytes >= BATCH_BYTES || this.files.length >= BATCH_ITEMS) await this.dispatchFiles();
    else if (!this.flushSoon) {
      // Files queued in one stretch of the walk share a batch; it goes when the walk waits.
      this.flushSoon = true;
      setImmediate(() => {
        this.flushSoon = false;
        this.dispatchFiles().catch((e: Error) => this.fail(e));
      });
    }
    return { content };
  }

  /** Stores a data blob (a stream's chunk) unless it is known; returns its id. The chunk may be transferred. */
  async saveData(chunk: Buffer): Promise<string> {
    const id = sha256(chunk);
    const hex = id.toString('hex');
    if (!this.claim(id)) return hex;
    this.bytesNew += chunk.length;
    this.chunks.push(chunk);
    this.chunkIds.push(id);
    this.chunkBytes += chunk.length;
    if (this.chunkBytes >= BATCH_BYTES || this.chunks.length >= BATCH_ITEMS) await this.dispatchChunks();
    return hex;
  }

  /** Stores a tree blob unless it is known; returns its id. */
  async saveTree(bytes: Buffer): Promise<string> {
    const id = sha256(bytes);
    const hex = id.toString('hex');
    if (!this.claim(id)) return hex;
    const { plain, uncompressedLength } = compressBlob(bytes, this.opts.level);
    await this.uploader.add(id, 'tree', seal(this.repo.key, plain), uncompressedLength);
    return hex;
  }

  /** Waits for a free place in flight; grows the shared set first when it is half full. */
  private async slot(): Promise<void> {
    while (this.inflight.size >= this.maxInflight) await Promise.race(this.inflight);
    if (this.set.size * 2 >= this.set.capacity) {
      // No worker may hold the set while it is copied.
      while (this.inflight.size) await Promise.allSettled([...this.inflight]);
      if (this.set.size * 2 >= this.set.capacity) this.set = this.set.grown();
    }
    if (this.failure) throw this.failure;
  }

  private track(job: Promise<void>): void {
    const p: Promise<void> = job.catch((e: Error) => this.fail(e)).finally(() => this.inflight.delete(p));
    this.inflight.add(p);
  }

  private async dispatchFiles(): Promise<void> {
    if (this.files.length === 0) return;
    const files = this.files;
    this.files = [];
    this.fileBytes = 0;
    try {
      await this.slot();
    } catch (e) {
      for (const f of files) f.reject(e as Error);
      throw e;
    }
    if (!this.localBusy) return this.track(this.saveHere(files));
    const req: WorkRequest = { seq: 0, kind: 'files', set: this.set.buffer, files: files.map((f) => ({ path: f.path })) };
    const job = this.pool.run(req, [], async (m) => {
      await this.take(m, true);
      if (m.final) settleFiles(files, m.files);
    });
    job.catch((e: Error) => {
      for (const f of files) f.reject(e);
    });
    this.track(job);
  }

  /** Stores files on this thread, yielding to the event loop every MiB or so. */
  private async saveHere(files: FileJob[]): Promise<void> {
    this.localBusy = true;
    try {
      let since = 0;
      for (const f of files) {
        const content: string[] = [];
        let size = 0;
        try {
          if (this.failure) throw this.failure;
          for (const chunk of fileChunks(f.path, this.chunker, (n) => (size += n))) {
            const id = sha256(chunk);
            content.push(id.toString('hex'));
            // The set full for now: stored, at worst a duplicate (as a worker does).
            if (this.set.claim(id) !== false && this.filler.add(id, chunk)) await this.uploadHere();
            since += chunk.length;
            if (since >= 1024 * 1024) {
              since = 0;
              await new Promise(setImmediate);
              if (this.failure) throw this.failure;
            }
          }
        } catch (e) {
          f.reject(e as Error);
          continue;
        }
        this.bytesRead += size;
        f.resolve({ content, size });
      }
    } finally {
      this.bytesNew += this.filler.stored;
      this.filler.stored = 0;
      this.localBusy = false;
    }
  }

  /** Seals claimed stream chunks on this thread (a stream mostly waits for its source). */
  private async sealHere(items: Buffer[], ids: Buffer): Promise<void> {
    this.localBusy = true;
    try {
      for (let i = 0; i < items.length; i++) {
        if (this.failure) throw this.failure;
        if (this.filler.add(ids.subarray(i * 32, i * 32 + 32), items[i]!)) await this.uploadHere();
      }
    } finally {
      this.filler.stored = 0; // counted when claimed
      this.localBusy = false;
    }
  }

  /** Writes this thread's pack; its buffer is filled again next. */
  private async uploadHere(): Promise<void> {
    if (this.filler.count === 0) return;
    const { id, bytes, blobs } = this.filler.finish();
    await this.uploader.upload(id, bytes, blobs);
    this.spare = Buffer.from(bytes.buffer, 0, bytes.buffer.byteLength);
  }

  private async dispatchChunks(): Promise<void> {
    if (this.chunks.length === 0) return;
    const items = this.chunks;
    const ids = Buffer.concat(this.chunkIds);
    this.chunks = [];
    this.chunkIds = [];
    this.chunkBytes = 0;
    await this.slot();
    if (!this.localBusy) return this.track(this.sealHere(items, ids));
    const transfer = [ids.buffer as ArrayBuffer];
    for (const b of items) if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && !transfer.includes(b.buffer as ArrayBuffer)) transfer.push(b.buffer as ArrayBuffer);
    this.track(this.pool.run({ seq: 0, kind: 'blobs', items, ids }, transfer, (m) => this.take(m, false)));
  }

  /** Takes a worker's message in: counts, and writes the pack it carries. */
  private async take(m: WorkMessage, fromFiles: boolean): Promise<void> {
    this.bytesRead += m.read;
    if (fromFiles) this.bytesNew += m.stored; // stream chunks are counted when claimed
    if (!m.pack) return;
    const { id, entries } = m.pack;
    const ids = Buffer.from(m.pack.ids.buffer, m.pack.ids.byteOffset, m.pack.ids.byteLength);
    const blobs: PackedBlob[] = [];
    for (let i = 0; i * ENTRY < entries.length; i++) {
      blobs.push({ id: ids.subarray(i * 32, i * 32 + 32), type: 'data', offset: entries[i * ENTRY]!, length: entries[i * ENTRY + 1]!, uncompressedLength: entries[i * ENTRY + 2]! });
    }
    if (this.failure) return;
    await this.uploader.upload(id, m.pack.bytes, blobs);
  }

  /** Waits for every blob and pack write in flight; throws the first failure. */
  async finish(): Promise<void> {
    await this.dispatchFiles();
    await this.dispatchChunks();
    while (this.inflight.size) await Promise.all(this.inflight);
    // The packs the workers are still filling.
    await Promise.all(Array.from({ length: this.pool.started }, (_, i) => this.pool.run({ seq: 0, kind: 'flush' }, [], (m) => this.take(m, false), i)));
    if (!this.failure) await this.uploadHere();
    await this.uploader.finish();
    if (this.failure) throw this.failure;
  }

  /** Lets what is in flight end (failed or not) without sending more. */
  async settle(): Promise<void> {
    this.fail(new Error('aborted'));
    for (const f of this.files) f.reject(this.failure!);
    this.files = [];
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
    await this.uploader.settle();
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

function settleFiles(files: FileJob[], results: FileResult[] | undefined): void {
  files.forEach((f, i) => {
    const r = results?.[i];
    if (!r) return f.reject(new Error(`worker: no result for ${f.path}`));
    if ('error' in r) return f.reject(Object.assign(new Error(r.error), { code: r.code }));
    const ids = Buffer.from(r.ids.buffer, r.ids.byteOffset, r.ids.byteLength);
    const content: string[] = [];
    for (let o = 0; o < ids.length; o += 32) content.push(ids.toString('hex', o, o + 32));
    f.resolve({ content, size: r.size });
  });
}
