// restic's file saver: reads a file (in a worker thread) or a stream (on the main thread) and cuts
// it into chunks (FastCDC), handing each to the caller; returns the content's size.
import fs from 'node:fs';
import type { Chunker } from './chunker.ts';

/**
 * Reads `file` through `chunker` (reset first), calling `onChunk` with each chunk as a view that
 * is valid only during the call, and `onRead` with the bytes of each read. Returns the size read.
 */
export function chunkFile(file: string, chunker: Chunker, onChunk: (chunk: Buffer) => void, onRead: (n: number) => void): number {
  chunker.reset();
  const fd = fs.openSync(file, 'r');
  try {
    let size = 0;
    for (;;) {
      const got = chunker.fill((buf, off, len) => fs.readSync(fd, buf, off, len, null));
      size += got;
      onRead(got);
      for (const c of chunker.cut(got === 0)) onChunk(c);
      if (got === 0) return size;
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
