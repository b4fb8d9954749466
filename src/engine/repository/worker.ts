// A worker thread of the write pipeline: reads and chunks files, hashes each chunk, claims the
// new ones in the shared BlobSet and seals them into a data pack of its own (pack-filler.ts). A
// full pack is finished here (header, id) and transferred, not copied, to the main thread, which
// writes it. Chunks cut on the main thread (streams) arrive already claimed.
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { BlobSet } from './blob-set.ts';
import { Chunker } from './chunker.ts';
import { collectBuffers } from './collect.ts';
import { sha256, type Key } from './crypto.ts';
import { fileChunks } from './file-saver.ts';
import { PackFiller } from './pack-filler.ts';
import type { FileResult, WorkerInit, WorkMessage, WorkRequest } from './pool.ts';

const init = workerData as WorkerInit;
const key: Key = { encrypt: Buffer.from(init.encrypt), macK: Buffer.from(init.macK), macR: Buffer.from(init.macR) };
const control = new Int32Array(init.control);
const chunker = new Chunker(init.gear);
// Pack buffers come back from the main thread once written: a worker keeps two, where waiting
// for the collector to free them let them pile up.
const filler = new PackFiller(key, init.level, init.packSize, () => {
  const back = receiveMessageOnPort(init.returns)?.message as ArrayBuffer | undefined;
  return back ? Buffer.from(back) : undefined;
});

class Stopped extends Error {}

function stopped(): void {
  if (Atomics.load(control, 1)) throw new Stopped('stopped');
}

let seq = 0;
let read = 0;

function post(final: boolean, extra: Partial<WorkMessage>, transfer: ArrayBuffer[] = []): void {
  const m: WorkMessage = { seq, read, stored: filler.stored, final, ...extra };
  read = 0;
  filler.stored = 0;
  parentPort!.postMessage(m, [...new Set(transfer)]);
  collectBuffers();
}

/** Sends the pack (once the main thread has written the last one). */
function sendPack(): void {
  if (filler.count === 0) return;
  for (;;) {
    stopped();
    const c = Atomics.load(control, 0);
    if (c > 0 && Atomics.compareExchange(control, 0, c, c - 1) === c) break;
    if (c <= 0) Atomics.wait(control, 0, c, 200);
  }
  const { id, bytes, blobs } = filler.finish();
  const entries = new Uint32Array(blobs.length * 3);
  const ids = Buffer.allocUnsafeSlow(blobs.length * 32);
  blobs.forEach((b, i) => {
    entries.set([b.offset, b.length, b.uncompressedLength], i * 3);
    b.id.copy(ids, i * 32);
  });
  post(false, { pack: { id, bytes, entries, ids } }, [bytes.buffer as ArrayBuffer, entries.buffer, ids.buffer as ArrayBuffer]);
}

function add(id: Uint8Array, chunk: Uint8Array): void {
  if (filler.add(id, chunk)) sendPack();
}

function saveFiles(set: BlobSet, files: { path: string }[]): FileResult[] {
  const results: FileResult[] = [];
  for (const f of files) {
    const ids: Buffer[] = [];
    let size = 0;
    try {
      for (const chunk of fileChunks(f.path, chunker, (n) => ((size += n), (read += n)))) {
        stopped();
        const id = sha256(chunk);
        ids.push(id);
        // Undefined: the set is full for now (it grows between requests); storing the blob
        // again at worst leaves a duplicate, which the index and restic accept.
        if (set.claim(id) !== false) add(id, chunk);
      }
      results.push({ ids: joinIds(ids), size });
    } catch (e) {
      if (e instanceof Stopped) throw e;
      results.push({ error: (e as Error).message, code: (e as NodeJS.ErrnoException).code });
    }
  }
  return results;
}

/** Ids one after another, in a buffer of their own (transferable). */
function joinIds(ids: Buffer[]): Buffer {
  const all = Buffer.allocUnsafeSlow(ids.length * 32);
  ids.forEach((id, i) => id.copy(all, i * 32));
  return all;
}

parentPort!.on('message', (req: WorkRequest) => {
  seq = req.seq;
  try {
    if (req.kind === 'files') {
      const files = saveFiles(new BlobSet(req.set), req.files);
      post(true, { files }, files.flatMap((f) => ('ids' in f ? [f.ids.buffer as ArrayBuffer] : [])));
    } else if (req.kind === 'blobs') {
      req.items.forEach((item, i) => add(req.ids.subarray(i * 32, i * 32 + 32), item));
      post(true, {});
    } else {
      sendPack();
      post(true, {});
    }
  } catch (e) {
    parentPort!.postMessage({ seq: req.seq, read: 0, stored: 0, final: true, error: (e as Error).message } satisfies WorkMessage);
  }
});
