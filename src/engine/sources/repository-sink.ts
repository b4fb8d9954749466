import type { Repository } from '../repository/repository.ts';
import { SnapshotWriter, type Progress, type WriterOptions } from '../repository/writer.ts';
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

async function* counted(stream: AsyncIterable<Uint8Array>, onBytes: ((n: number) => void) | undefined, total: { n: number }, signal?: AbortSignal) {
  for await (const piece of stream) {
    signal?.throwIfAborted();
    total.n += piece.length;
    onBytes?.(total.n);
    yield piece;
  }
}

export interface RepositorySink extends SnapshotSink {
  /** Give the writer's progress reports here (WriterOptions.onProgress), for per-tree progress. */
  onWriterProgress(p: Progress): void;
}

/**
 * The repository as a SnapshotSink. The writer's chunker is shared, so content goes in one file
 * at a time; sources still run in parallel around it (listing, network, dumping). Because only
 * one call uses the writer at a time, its running totals give each tree's own progress.
 */
export function repositorySink(writer: SnapshotWriter): RepositorySink {
  const mutex = new Mutex();
  const meta = (m?: FileMeta) => ({ mode: m?.mode, mtime: m?.mtime, uid: m?.uid, gid: m?.gid });
  let tree: { base: Progress; report(p: TreeProgress): void } | undefined;
  let latest: Progress = { bytesDone: 0, itemsDone: 0, bytesNew: 0, bytesWritten: 0 };
  return {
    onWriterProgress(p) {
      latest = p;
      if (tree) tree.report({ bytes: p.bytesDone - tree.base.bytesDone, items: p.itemsDone - tree.base.itemsDone });
    },
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
        const base = { ...latest };
        tree = { base, report: (p) => opts?.onProgress?.(p) };
        try {
          await writer.addPath(dir, at); // reports with force at its end, so `latest` is final
        } finally {
          tree = undefined;
        }
        const size = { bytes: latest.bytesDone - base.bytesDone, items: latest.itemsDone - base.itemsDone };
        opts?.onProgress?.(size);
        return size;
      }),
  };
}

/** Starts a snapshot in the repository and gives it as a sink, with per-tree progress wired. */
export async function openSnapshotSink(repo: Repository, opts: Omit<WriterOptions, 'onProgress'> = {}): Promise<{ writer: SnapshotWriter; sink: SnapshotSink }> {
  let forward: (p: Progress) => void = () => {};
  const writer = await SnapshotWriter.start(repo, { ...opts, onProgress: (p) => forward(p) });
  const sink = repositorySink(writer);
  forward = (p) => sink.onWriterProgress(p);
  return { writer, sink };
}
