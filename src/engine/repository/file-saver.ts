// restic's file saver: reads a file or a stream and cuts it into chunks (FastCDC).
import fs from 'node:fs';
import type { Chunker } from './chunker.ts';

/**
 * Reads `file` through `chunker` (reset first), yielding each chunk as a view that is valid only
 * until the next is asked for, and calling `onRead` with the bytes of each read. Iterate to the end.
 */
export function* fileChunks(file: string, chunker: Chunker, onRead: (n: number) => void): Generator<Buffer> {
  chunker.reset();
  const fd = fs.openSync(file, 'r');
  try {
    for (;;) {
      const got = chunker.fill((buf, off, len) => fs.readSync(fd, buf, off, len, null));
      onRead(got);
      yield* chunker.cut(got === 0);
      if (got === 0) return;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Cuts a stream into chunks (fresh buffers, which `saveChunk` may transfer); their ids in order. */
export async function chunkStream(
  source: AsyncIterable<Uint8Array | string>,
  chunker: Chunker,
  saveChunk: (chunk: Buffer) => Promise<string>,
  check: () => void,
  report: () => void,
): Promise<{ content: string[]; size: number }> {
  const content: string[] = [];
  let size = 0;
  chunker.reset(); // a stream that failed must not leak into the next one
  for await (const piece of source) {
    check();
    const buf = typeof piece === 'string' ? Buffer.from(piece) : piece;
    size += buf.length;
    for (const c of chunker.push(buf)) content.push(await saveChunk(c));
    report();
  }
  for (const c of chunker.take(true)) content.push(await saveChunk(c));
  return { content, size };
}
