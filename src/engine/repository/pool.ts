// The worker threads of the write pipeline. Given files, a worker reads, chunks, hashes, claims
// (in the shared BlobSet), compresses and seals them into a data pack of its own; given chunks cut
// on the main thread (streams), it compresses and seals them into that pack. A full pack comes
// back whole, with its id, and a worker sends the next only once the main thread has written the
// last: memory stays bounded however fast the reading and however slow the repository, and the
// main thread neither copies nor hashes data.
// Compiled (dist/, what bin/lifeboat.js runs) a worker loads worker.js directly; run from the
// TypeScript sources (vitest), its entry worker-entry.mjs registers tsx first.
import os from 'node:os';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import type { Key } from './crypto.ts';

export interface WorkerInit {
  encrypt: Uint8Array;
  macK: Uint8Array;
  macR: Uint8Array;
  /** zstd level; 0 stores blobs uncompressed. */
  level: number;
  gear: Uint32Array;
  packSize: number;
  /** Int32 [credit, stop]: messages the worker may still send, and 1 to drop its work. */
  control: SharedArrayBuffer;
  /** Pack buffers given back once written, to be filled again. */
  returns: MessagePort;
}

/** Packs a worker may have sent that the main thread has not written yet. */
const CREDIT = 1;

export type WorkRequest =
  | { seq: number; kind: 'files'; set: SharedArrayBuffer; files: { path: string }[] }
  | { seq: number; kind: 'blobs'; items: Uint8Array[]; ids: Uint8Array }
  /** Send the pack being filled, full or not. */
  | { seq: number; kind: 'flush' };

/** Per blob of a pack: offset, sealed length, plaintext length (0: stored raw). */
export const ENTRY = 3;

export type FileResult = { ids: Uint8Array; size: number } | { error: string; code?: string };

export interface WorkMessage {
  seq: number;
  /** A finished pack: its id, bytes, and per blob ENTRY numbers and the 32-byte id. */
  pack?: { id: string; bytes: Uint8Array; entries: Uint32Array; ids: Uint8Array };
  /** Input bytes read since the last message. */
  read: number;
  /** New blob bytes (before compression) sealed since the last message. */
  stored: number;
  final: boolean;
  /** On the final message of a files request: each file's content ids and size, in order. */
  files?: FileResult[];
  error?: string;
}

interface Slot {
  worker: Worker;
  returns: MessagePort;
  control: Int32Array;
  inflight: number;
}

interface Waiting {
  slot: Slot;
  chain: Promise<void>;
  onMessage: (m: WorkMessage) => Promise<void> | void;
  resolve: () => void;
  reject: (e: Error) => void;
  failed?: Error;
}

export class WorkerPool {
  private slots: Slot[] = [];
  private seq = 0;
  private waiting = new Map<number, Waiting>();
  private failure: Error | undefined;

  private static entry = import.meta.url.endsWith('.js') ? new URL('./worker.js', import.meta.url) : new URL('./worker-entry.mjs', import.meta.url);

  /**
   * Workers start when work comes (one more whenever all that run are busy): a backup that finds
   * every file unchanged starts none, and does not wait for any to load.
   */
  constructor(
    private key: Key,
    private level: number,
    private gear: Uint32Array,
    private packSize: number,
    private max = Math.max(1, os.availableParallelism()),
  ) {}

  private spawn(): Slot {
    const control = new SharedArrayBuffer(8);
    const { port1, port2 } = new MessageChannel();
    const init: WorkerInit = { encrypt: this.key.encrypt, macK: this.key.macK, macR: this.key.macR, level: this.level, gear: this.gear, packSize: this.packSize, control, returns: port2 };
    // A small young generation: a worker allocates few objects, and its buffers live outside the heap.
    const worker = new Worker(WorkerPool.entry, { workerData: init, transferList: [port2], resourceLimits: { maxYoungGenerationSizeMb: 4 } });
    const slot: Slot = { worker, returns: port1, control: new Int32Array(control), inflight: 0 };
    Atomics.store(slot.control, 0, CREDIT);
    worker.on('message', (m: WorkMessage) => this.received(slot, m));
    worker.on('error', (e) => this.fail(e));
    worker.on('exit', (code) => {
      if (code !== 0) this.fail(new Error(`worker thread exited with code ${code}`));
    });
    this.slots.push(slot);
    return slot;
  }

  private received(slot: Slot, m: WorkMessage): void {
    const w = this.waiting.get(m.seq);
    if (!w) return;
    w.chain = w.chain
      .then(() => {
        if (m.error !== undefined) throw new Error(`worker: ${m.error}`);
        if (!w.failed) return w.onMessage(m);
      })
      .catch((e: Error) => {
        w.failed ??= e;
      })
      .then(() => {
        if (m.pack && !w.failed) slot.returns.postMessage(m.pack.bytes.buffer, [m.pack.bytes.buffer as ArrayBuffer]);
        if (!m.final) {
          Atomics.add(slot.control, 0, 1);
          Atomics.notify(slot.control, 0);
          return;
        }
        this.waiting.delete(m.seq);
        slot.inflight--;
        if (w.failed) w.reject(w.failed);
        else w.resolve();
      });
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const [seq, w] of this.waiting) {
      this.waiting.delete(seq);
      w.reject(e);
    }
  }

  /** Workers there may be. */
  get size(): number {
    return this.max;
  }

  /** Workers started so far. */
  get started(): number {
    return this.slots.length;
  }

  /**
   * Sends `req` to the least busy worker (transferring `transfer`); `onMessage` takes each of its
   * messages in order. Resolves when the last is taken in.
   */
  run(req: WorkRequest, transfer: ArrayBuffer[], onMessage: (m: WorkMessage) => Promise<void> | void, on?: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    let slot = this.slots[0];
    for (const s of this.slots) if (s.inflight < slot!.inflight) slot = s;
    if (on !== undefined) slot = this.slots[on]!;
    else if (!slot || (slot.inflight > 0 && this.slots.length < this.max)) slot = this.spawn();
    const seq = ++this.seq;
    req.seq = seq;
    slot.inflight++;
    return new Promise((resolve, reject) => {
      this.waiting.set(seq, { slot, chain: Promise.resolve(), onMessage, resolve, reject });
      slot.worker.postMessage(req, transfer);
    });
  }

  /** Tells every worker to drop the work it has (a failed or cancelled backup). */
  stop(): void {
    for (const s of this.slots) {
      Atomics.store(s.control, 1, 1);
      Atomics.notify(s.control, 0);
    }
  }

  async close(): Promise<void> {
    this.stop();
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    for (const s of this.slots) s.returns.close();
    this.slots = [];
  }
}
