import type { Repository } from '../repository/repository.ts';
import { SnapshotWriter, type WriterOptions } from '../repository/writer.ts';
import type { FileMeta, SnapshotSink } from './sink.ts';

async function* counted(stream: AsyncIterable<Uint8Array>, onBytes: ((n: number) => void) | undefined, total: { n: number }, signal?: AbortSignal) {
  for await (const piece of stream) {
    signal?.throwIfAborted();
    total.n += piece.length;
    onBytes?.(total.n);
    yield piece;
  }
}

/**
 * The repository as a SnapshotSink. The writer takes adds at once (each file or stream has its
 * own chunker), so the sources' jobs write in parallel, each with its own progress.
 */
export function repositorySink(writer: SnapshotWriter): SnapshotSink {
  const meta = (m?: FileMeta) => ({ mode: m?.mode, mtime: m?.mtime, uid: m?.uid, gid: m?.gid });
  return {
    addFile: (at, data, m) => writer.addBytes(at, data, meta(m)),
    async addStream(at, stream, opts) {
      const total = { n: 0 };
      await writer.addStream(at, counted(stream, opts?.onBytes, total, opts?.signal), meta(opts));
      return { size: total.n };
    },
    keepFromParent: (at) => writer.keepFromParent(at),
    async addTree(at, dir, opts) {
      opts?.signal?.throwIfAborted();
      return writer.addPath(dir, at, { onProgress: opts?.onProgress });
    },
  };
}

/** Starts a snapshot in the repository and gives it as a sink. */
export async function openSnapshotSink(repo: Repository, opts: WriterOptions = {}): Promise<{ writer: SnapshotWriter; sink: SnapshotSink }> {
  const writer = await SnapshotWriter.start(repo, opts);
  return { writer, sink: repositorySink(writer) };
}
