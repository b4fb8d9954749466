// A worker thread of the write pipeline: compresses (when worth it) and seals blobs.
// Input and output buffers are transferred, not copied, wherever they own their memory.
import { parentPort, workerData } from 'node:worker_threads';
import { seal, type Key } from './crypto.ts';
import { compressBlob } from './compression.ts';
import { collectBuffers } from './collect.ts';
import { transferList, type WorkerInit, type WorkRequest, type WorkResponse } from './pool.ts';

const init = workerData as WorkerInit;
const key: Key = { encrypt: Buffer.from(init.encrypt), macK: Buffer.from(init.macK), macR: Buffer.from(init.macR) };

parentPort!.on('message', (req: WorkRequest) => {
  try {
    const results = req.items.map((data) => {
      const { plain, uncompressedLength } = compressBlob(data, init.level);
      return { sealed: seal(key, plain), uncompressedLength };
    });
    const res: WorkResponse = { seq: req.seq, results };
    parentPort!.postMessage(res, transferList(results.map((r) => r.sealed)));
    collectBuffers();
  } catch (e) {
    parentPort!.postMessage({ seq: req.seq, error: (e as Error).message } satisfies WorkResponse);
  }
});
