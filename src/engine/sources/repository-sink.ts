import fs from 'node:fs';
import path from 'node:path';
import type { SnapshotWriter } from '../repository/writer.ts';
import type { FileMeta, SnapshotSink, TreeProgress } from './sink.ts';

/** Runs one task at a time, in order of arrival. */
class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/** Counts the bytes and entries of a folder, for progress totals. */
export function measureTree(dir: string): TreeProgress {
  let bytes = 0;
  let items = 0;
  const walk = (d: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      items++;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        try {
          bytes += fs.lstatSync(p).size;
        } catch {
          /* vanished */
        }
      }
    }
  };
  walk(dir);
  return { bytes, items };
}

async function* counted(stream: AsyncIterable<Uint8Array>, onBytes: ((n: number) => void) | undefined, total: { n: number }, signal?: AbortSignal) {
  for await (const piece of stream) {
    signal?.throwIfAborted();
    total.n += piece.length;
    onBytes?.(total.n);
    yield piece;
  }
}

/**
 * The repository as a SnapshotSink. The writer's chunker is shared, so content goes in one file
 * at a time; sources still run in parallel around it (listing, network, dumping).
 */
export function repositorySink(writer: SnapshotWriter): SnapshotSink {
  const mutex = new Mutex();
  const meta = (m?: FileMeta) => ({ mode: m?.mode, mtime: m?.mtime, uid: m?.uid, gid: m?.gid });
  return {
    addFile: (at, data, m) => mutex.run(() => writer.addBytes(at, data, meta(m))),
    addStream: (at, stream, opts) =>
      mutex.run(async () => {
        const total = { n: 0 };
        await writer.addStream(at, counted(stream, opts?.onBytes, total, opts?.signal), meta(opts));
        return { size: total.n };
      }),
    addTree: (at, dir, opts) =>
      mutex.run(async () => {
        opts?.signal?.throwIfAborted();
        const size = measureTree(dir);
        await writer.addPath(dir, at);
        opts?.onProgress?.(size);
        return size;
      }),
  };
}
