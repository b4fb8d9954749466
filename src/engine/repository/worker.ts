// A worker thread of the write pipeline: reads and chunks files, hashes each chunk, claims the
// new ones in the shared BlobSet, compresses (when worth it) and seals them straight into a data
// pack of its own. A full pack is finished here (header, id) and transferred, not copied, to the
// main thread, which writes it. Chunks cut on the main thread (streams) arrive already claimed.
import { parentPort, workerData } from 'node:worker_threads';
import { BlobSet } from './blob-set.ts';
import { Chunker, MAX_SIZE } from './chunker.ts';
import { collectBuffers } from './collect.ts';
import { compressBlob } from './compression.ts';
import { OVERHEAD, sealInto, sha256, type Key } from './crypto.ts';
import { chunkFile } from './file-saver.ts';
import { PackBuilder } from './pack.ts';
import type { FileResult, WorkerInit, WorkMessage, WorkRequest } from './pool.ts';

const init = workerData as WorkerInit;
const key: Key = { encrypt: Buffer.from(init.encrypt), macK: Buffer.from(init.macK), macR: Buffer.from(init.macR) };
const control = new Int32Array(init.control);
const chunker = new Chunker(init.gear);

class Stopped extends Error {}

function stopped(): void {
  if (Atomics.load(control, 1)) throw new Stopped('stopped');
}

/** The data pack being filled, and what to tell the main thread in the next message. */
class Packer {
  private pack = newPack();
  private read = 0;
  private stored = 0;

  constructor(private seq: number) {}

  addRead(n: number): void {
    this.read += n;
  }

  add(id: Uint8Array, chunk: Uint8Array): void {
    const { plain, uncompressedLength } = compressBlob(chunk, init.level);
    this.pack.addInPlace(Buffer.from(id), 'data', plain.length + OVERHEAD, uncompressedLength, (buf, at) => sealInto(key, plain, buf, at));
    this.stored += chunk.length;
    if (this.pack.size >= init.packSize) this.sendPack();
  }

  /** Sends the pack (once the main thread has written the last one) and starts another. */
  sendPack(): void {
    if (this.pack.count === 0) return;
    for (;;) {
      stopped();
      const c = Atomics.load(control, 0);
      if (c > 0 && Atomics.compareExchange(control, 0, c, c - 1) === c) break;
      if (c <= 0) Atomics.wait(control, 0, c, 200);
    }
    const { id, bytes, blobs } = this.pack.finish(key);
    this.pack = newPack();
    const entries = new Uint32Array(blobs.length * 3);
    const ids = Buffer.allocUnsafeSlow(blobs.length * 32);
    blobs.forEach((b, i) => {
      entries.set([b.offset, b.length, b.uncompressedLength], i * 3);
      b.id.copy(ids, i * 32);
    });
    this.post(false, { pack: { id, bytes, entries, ids } }, [bytes.buffer as ArrayBuffer, entries.buffer, ids.buffer as ArrayBuffer]);
  }

  post(final: boolean, extra: Partial<WorkMessage>, transfer: ArrayBuffer[] = []): void {
    const m: WorkMessage = { seq: this.seq, read: this.read, stored: this.stored, final, ...extra };
    this.read = 0;
    this.stored = 0;
    parentPort!.postMessage(m, [...new Set(transfer)]);
    collectBuffers();
  }

  /** The next request's messages carry its own sequence number; the pack goes on filling. */
  next(seq: number): this {
    this.seq = seq;
    return this;
  }
}

/** Room for a full pack and the blob that overflows it: reserved, untouched until filled. */
function newPack(): PackBuilder {
  return new PackBuilder(init.packSize + MAX_SIZE + 64 * 1024);
}

function saveFiles(packer: Packer, set: BlobSet, files: { path: string }[]): FileResult[] {
  const results: FileResult[] = [];
  for (const f of files) {
    const ids: Buffer[] = [];
    try {
      const size = chunkFile(
        f.path,
        chunker,
        (chunk) => {
          stopped();
          const id = sha256(chunk);
          ids.push(id);
          // Undefined: the set is full for now (it grows between requests); storing the blob
          // again at worst leaves a duplicate, which the index and restic accept.
          if (set.claim(id) !== false) packer.add(id, chunk);
        },
        (n) => packer.addRead(n),
      );
      const all = Buffer.allocUnsafeSlow(ids.length * 32);
      ids.forEach((id, i) => id.copy(all, i * 32));
      results.push({ ids: all, size });
    } catch (e) {
      if (e instanceof Stopped) throw e;
      results.push({ error: (e as Error).message, code: (e as NodeJS.ErrnoException).code });
    }
  }
  return results;
}

const packer = new Packer(0);

parentPort!.on('message', (req: WorkRequest) => {
  packer.next(req.seq);
  try {
    if (req.kind === 'files') {
      const files = saveFiles(packer, new BlobSet(req.set), req.files);
      packer.post(true, { files }, files.flatMap((f) => ('ids' in f ? [f.ids.buffer as ArrayBuffer] : [])));
    } else if (req.kind === 'blobs') {
      req.items.forEach((item, i) => packer.add(req.ids.subarray(i * 32, i * 32 + 32), item));
      packer.post(true, {});
    } else {
      packer.sendPack();
      packer.post(true, {});
    }
  } catch (e) {
    parentPort!.postMessage({ seq: req.seq, read: 0, stored: 0, final: true, error: (e as Error).message } satisfies WorkMessage);
  }
});
