// restic's file saver: reads a file or a stream and cuts it into chunks (FastCDC), handing each
// to the blob saver; returns the content's blob ids in order.
import fs from 'node:fs';
import { Chunker, MIN_SIZE, ownBuffer } from './chunker.ts';

export interface Content {
  content: string[];
  size: number;
}

export class FileSaver {
  /** Chunkers not in use: each file or stream being added takes one, so adds can run at once. */
  private spare: Chunker[] = [];

  constructor(
    private gear: Uint32Array,
    /** Stores a chunk (which it may transfer) and returns its blob id. */
    private saveChunk: (chunk: Buffer) => Promise<string>,
    /** Throws when the backup has failed or was cancelled. */
    private check: () => void,
    private report: () => void,
  ) {}

  async fromFile(file: string, knownSize?: number): Promise<Content> {
    if (knownSize !== undefined && knownSize < MIN_SIZE) {
      // Small files (most files): one call reads it whole; it is one chunk, or a few if it grew.
      let buf: Buffer = fs.readFileSync(file);
      if (buf.byteOffset !== 0 || buf.buffer.byteLength !== buf.length) buf = ownBuffer(buf); // never a pooled slab: it goes to a worker
      // Read the size now: saveChunk may hand the buffer to a worker, which empties it here.
      const size = buf.length;
      if (size === 0) return { content: [], size: 0 };
      if (size < MIN_SIZE) return { content: [await this.saveChunk(buf)], size };
      const content: string[] = [];
      const chunker = this.borrow();
      try {
        for (const c of [...chunker.push(buf), ...chunker.take(true)]) content.push(await this.saveChunk(c));
      } finally {
        this.giveBack(chunker);
      }
      return { content, size };
    }
    const fd = fs.openSync(file, 'r');
    try {
      const content: string[] = [];
      let size = 0;
      // Small files: one read, one chunk.
      const expected = fs.fstatSync(fd).size;
      if (expected < MIN_SIZE) {
        const buf = Buffer.allocUnsafeSlow(expected);
        let n = 0;
        while (n < buf.length) {
          const r = fs.readSync(fd, buf, n, buf.length - n, null);
          if (r === 0) break;
          n += r;
        }
        if (n > 0) content.push(await this.saveChunk(n === buf.length ? buf : ownBuffer(buf.subarray(0, n))));
        return { content, size: n };
      }
      const chunker = this.borrow();
      try {
        for (;;) {
          this.check();
          const got = chunker.fill((buf, off, len) => fs.readSync(fd, buf, off, len, null));
          size += got;
          for (const c of chunker.take(got === 0)) content.push(await this.saveChunk(c));
          if (got === 0) break;
          this.report();
        }
      } finally {
        this.giveBack(chunker);
      }
      return { content, size };
    } finally {
      fs.closeSync(fd);
    }
  }

  async fromStream(source: AsyncIterable<Uint8Array | string>): Promise<Content> {
    const content: string[] = [];
    let size = 0;
    const chunker = this.borrow();
    try {
      for await (const piece of source) {
        this.check();
        const buf = typeof piece === 'string' ? Buffer.from(piece) : piece;
        size += buf.length;
        for (const c of chunker.push(buf)) content.push(await this.saveChunk(c));
        this.report();
      }
      for (const c of chunker.take(true)) content.push(await this.saveChunk(c));
    } finally {
      this.giveBack(chunker); // reset: a stream that failed must not leak into the next file
    }
    return { content, size };
  }

  private borrow(): Chunker {
    return this.spare.pop() ?? new Chunker(this.gear);
  }

  private giveBack(c: Chunker): void {
    c.reset();
    // Each holds a 12 MiB buffer: keep a few for reuse, let the rest go.
    if (this.spare.length < 4) this.spare.push(c);
  }
}
