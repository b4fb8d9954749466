// The worker threads that compress and seal blobs in parallel. Compiled (dist/, what bin/lifeboat.js
// runs) a worker loads worker.js directly; run from the TypeScript sources (vitest), its entry
// worker-entry.mjs registers tsx first.
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Key } from './crypto.ts';

export interface WorkerInit {
  encrypt: Uint8Array;
  macK: Uint8Array;
  macR: Uint8Array;
  /** zstd level; 0 stores blobs uncompressed. */
  level: number;
}

export interface WorkRequest {
  seq: number;
  items: Uint8Array[];
}

export interface WorkResponse {
  seq: number;
  results?: { sealed: Uint8Array; uncompressedLength: number }[];
  error?: string;
}

/** The ArrayBuffers that can be transferred: those a buffer owns whole (not Node's shared pool). */
export function transferList(bufs: Uint8Array[]): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const b of bufs) {
    if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer && !out.includes(b.buffer)) {
      out.push(b.buffer);
    }
  }
  return out;
}

interface Slot {
  worker: Worker;
  inflight: number;
}

export class WorkerPool {
  private slots: Slot[] = [];
  private seq = 0;
  private waiting = new Map<number, { resolve: (r: NonNullable<WorkResponse['results']>) => void; reject: (e: Error) => void; slot: Slot }>();
  private failure: Error | undefined;

  private static entry = import.meta.url.endsWith('.js') ? new URL('./worker.js', import.meta.url) : new URL('./worker-entry.mjs', import.meta.url);

  constructor(key: Key, level: number, size = Math.max(1, os.availableParallelism())) {
    const init: WorkerInit = { encrypt: key.encrypt, macK: key.macK, macR: key.macR, level };
    for (let i = 0; i < size; i++) {
      const worker = new Worker(WorkerPool.entry, { workerData: init });
      const slot: Slot = { worker, inflight: 0 };
      worker.on('message', (res: WorkResponse) => {
        const w = this.waiting.get(res.seq);
        if (!w) return;
        this.waiting.delete(res.seq);
        slot.inflight--;
        if (res.error !== undefined) w.reject(new Error(`worker: ${res.error}`));
        else w.resolve(res.results!);
      });
      worker.on('error', (e) => this.fail(e));
      worker.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`worker thread exited with code ${code}`));
      });
      this.slots.push(slot);
    }
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const [seq, w] of this.waiting) {
      this.waiting.delete(seq);
      w.reject(e);
    }
  }

  get size(): number {
    return this.slots.length;
  }

  /** Batches in flight, over all workers. */
  get inflight(): number {
    return this.waiting.size;
  }

  /** Compresses and seals `items` on the least busy worker. The items' buffers are transferred. */
  run(items: Uint8Array[]): Promise<NonNullable<WorkResponse['results']>> {
    if (this.failure) return Promise.reject(this.failure);
    let slot = this.slots[0]!;
    for (const s of this.slots) if (s.inflight < slot.inflight) slot = s;
    const seq = ++this.seq;
    slot.inflight++;
    return new Promise((resolve, reject) => {
      this.waiting.set(seq, { resolve, reject, slot });
      slot.worker.postMessage({ seq, items } satisfies WorkRequest, transferList(items));
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots = [];
  }
}
