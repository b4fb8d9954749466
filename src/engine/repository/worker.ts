// A worker thread of the write pipeline: reads and chunks files, hashes each chunk, claims the
// new ones in the shared BlobSet, compresses (when worth it) and seals them into a message buffer
// that is transferred, not copied, to the main thread. Chunks cut on the main thread (streams)
// arrive already claimed and are only compressed and sealed.
import { parentPort, workerData } from 'node:worker_threads';
import { BlobSet } from './blob-set.ts';
import { Chunker } from './chunker.ts';
import { collectBuffers } from './collect.ts';
import { compressBlob } from './compression.ts';
import { OVERHEAD, sealInto, sha256, type Key } from './crypto.ts';
import { chunkFile } from './file-saver.ts';
import { CLAIMED, UNDECIDED, type FileResult, type WorkerInit, type WorkMessage, type WorkRequest } from './pool.ts';

const init = workerData as WorkerInit;
const key: Key = { encrypt: Buffer.from(init.encrypt), macK: Buffer.from(init.macK), macR: Buffer.from(init.macR) };
const control = new Int32Array(init.control);
const chunker = new Chunker(init.gear);

/** A message is sent once this many sealed bytes are in it. */
const MESSAGE_BYTES = 4 * 1024 * 1024;

class Stopped extends Error {}

/** The sealed blobs of the next message. */
class Outbox {
  private data: Buffer | undefined;
  private used = 0;
  private entries: number[] = [];
  private ids: Buffer[] = [];
  private read = 0;

  constructor(private seq: number) {}

  addRead(n: number): void {
    this.read += n;
  }

  add(id: Uint8Array, chunk: Uint8Array, claim: number): void {
    const { plain, uncompressedLength } = compressBlob(chunk, init.level);
    const need = plain.length + OVERHEAD;
    if (this.data && this.used + need > this.data.length) this.send(false);
    this.data ??= Buffer.allocUnsafeSlow(Math.max(need, MESSAGE_BYTES + 64 * 1024));
    const n = sealInto(key, plain, this.data, this.used);
    this.entries.push(this.used, n, uncompressedLength, claim);
    this.ids.push(Buffer.from(id));
    this.used += n;
    if (this.used >= MESSAGE_BYTES) this.send(false);
  }

  /** Sends what is collected; a message that is not the last waits for the main thread's credit. */
  send(final: boolean, files?: FileResult[]): void {
    if (!final) {
      for (;;) {
        if (Atomics.load(control, 1)) throw new Stopped('stopped');
        const c = Atomics.load(control, 0);
        if (c > 0 && Atomics.compareExchange(control, 0, c, c - 1) === c) break;
        if (c <= 0) Atomics.wait(control, 0, c, 200);
      }
    }
    const m: WorkMessage = { seq: this.seq, read: this.read, final, files };
    const transfer: ArrayBuffer[] = [];
    if (this.entries.length) {
      m.data = this.data!.subarray(0, this.used);
      m.entries = Uint32Array.from(this.entries);
      m.ids = Buffer.concat(this.ids);
      transfer.push(m.data.buffer as ArrayBuffer, m.entries.buffer as ArrayBuffer, m.ids.buffer as ArrayBuffer);
      this.data = undefined;
    }
    for (const f of files ?? []) if ('ids' in f) transfer.push(f.ids.buffer as ArrayBuffer);
    parentPort!.postMessage(m, [...new Set(transfer)]);
    this.used = 0;
    this.entries = [];
    this.ids = [];
    this.read = 0;
    collectBuffers();
  }
}

function saveFiles(out: Outbox, set: BlobSet, files: { path: string }[]): FileResult[] {
  const results: FileResult[] = [];
  for (const f of files) {
    const ids: Buffer[] = [];
    try {
      const size = chunkFile(
        f.path,
        chunker,
        (chunk) => {
          if (Atomics.load(control, 1)) throw new Stopped('stopped');
          const id = sha256(chunk);
          ids.push(id);
          const claim = set.claim(id);
          if (claim !== false) out.add(id, chunk, claim ? CLAIMED : UNDECIDED);
        },
        (n) => out.addRead(n),
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

parentPort!.on('message', (req: WorkRequest) => {
  const out = new Outbox(req.seq);
  try {
    if (req.kind === 'files') {
      const files = saveFiles(out, new BlobSet(req.set), req.files);
      out.send(true, files);
    } else {
      req.items.forEach((item, i) => out.add(req.ids.subarray(i * 32, i * 32 + 32), item, CLAIMED));
      out.send(true);
    }
  } catch (e) {
    parentPort!.postMessage({ seq: req.seq, read: 0, final: true, error: (e as Error).message } satisfies WorkMessage);
  }
});
