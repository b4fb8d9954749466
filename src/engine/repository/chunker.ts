// Content-defined chunking with FastCDC (gear hash, normalized chunking). Chunks are 512 KiB to
// 8 MiB, about 1 MiB on average, within restic's bounds. The gear table comes from the repository
// config, so the same bytes cut at the same places in one repository (which is what dedup needs)
// while another repository cuts elsewhere.

export const MIN_SIZE = 512 * 1024;
export const AVG_SIZE = 1024 * 1024;
export const MAX_SIZE = 8 * 1024 * 1024;
// Normalized chunking: a stricter mask (20 bits) before the average size, a looser one (18 bits)
// after it. The masks take the hash's high bits, which depend on the last 32 bytes.
const MASK_S = 0xfffff000 | 0;
const MASK_L = 0xffffc000 | 0;
const WINDOW = 32;

/** The length of the chunk that starts at `start`, given the bytes up to `end`. */
export function findCut(gear: Uint32Array, buf: Uint8Array, start: number, end: number): number {
  const len = end - start;
  if (len <= MIN_SIZE) return len;
  let h = 0;
  let i = start + MIN_SIZE - WINDOW;
  for (; i < start + MIN_SIZE; i++) h = ((h << 1) + gear[buf[i]!]!) | 0;
  const normEnd = Math.min(start + AVG_SIZE, end);
  for (; i < normEnd; i++) {
    h = ((h << 1) + gear[buf[i]!]!) | 0;
    if ((h & MASK_S) === 0) return i + 1 - start;
  }
  const maxEnd = Math.min(start + MAX_SIZE, end);
  for (; i < maxEnd; i++) {
    h = ((h << 1) + gear[buf[i]!]!) | 0;
    if ((h & MASK_L) === 0) return i + 1 - start;
  }
  return maxEnd - start;
}

/**
 * Cuts a byte stream into chunks. Feed it with `fill` (read straight into its buffer) or `push`;
 * each yields the chunks that are complete, as fresh Buffers the caller may keep or transfer.
 * Memory: one buffer of 9 MiB, however long the stream.
 */
export class Chunker {
  private buf = Buffer.allocUnsafeSlow(MAX_SIZE + 1024 * 1024);
  private len = 0;

  constructor(private gear: Uint32Array) {}

  /** Drops what is buffered: a stream that failed must not leak its bytes into the next file. */
  reset(): void {
    this.len = 0;
  }

  /** Room left for `fill`. */
  get room(): number {
    return this.buf.length - this.len;
  }

  /** Lets `read` write up to `room` bytes at the end of the buffer; returns the bytes it wrote. */
  fill(read: (buf: Buffer, offset: number, length: number) => number): number {
    const n = read(this.buf, this.len, this.buf.length - this.len);
    this.len += n;
    return n;
  }

  /** Copies `data` in, returning the chunks completed on the way. */
  push(data: Uint8Array): Buffer[] {
    const out: Buffer[] = [];
    let off = 0;
    while (off < data.length) {
      const n = Math.min(data.length - off, this.buf.length - this.len);
      this.buf.set(data.subarray(off, off + n), this.len);
      this.len += n;
      off += n;
      if (this.len === this.buf.length) out.push(...this.take(false));
    }
    return out;
  }

  /**
   * As take, but each chunk is a view into this chunker's buffer, valid until the next chunk is
   * asked for (no copy: for a thread that hashes and seals each chunk at once). Iterate to the end.
   */
  *cut(final: boolean): Generator<Buffer> {
    let start = 0;
    for (let n; (n = this.next(start, final)) > 0; start += n) yield this.buf.subarray(start, start + n);
    if (start > 0) {
      this.buf.copyWithin(0, start, this.len);
      this.len -= start;
    }
  }

  /**
   * The length of the chunk at `start` if it is complete, else 0. A cut point found before the
   * end of what is buffered is where more bytes would cut too (the hash only looks back), so the
   * buffer is cut nearly to its end and only the last bytes move down for the next read.
   */
  private next(start: number, final: boolean): number {
    const avail = this.len - start;
    if (avail === 0) return 0;
    const n = findCut(this.gear, this.buf, start, this.len);
    return final || n < avail || n === MAX_SIZE ? n : 0;
  }

  /** The chunks that are complete now; with `final`, the rest of the stream as well. */
  take(final: boolean): Buffer[] {
    const out: Buffer[] = [];
    let start = 0;
    for (let n; (n = this.next(start, final)) > 0; start += n) out.push(ownBuffer(this.buf.subarray(start, start + n)));
    if (start > 0) {
      this.buf.copyWithin(0, start, this.len);
      this.len -= start;
    }
    return out;
  }
}

/** A copy in its own ArrayBuffer (never Node's shared pool), safe to transfer to a worker. */
export function ownBuffer(src: Uint8Array): Buffer {
  const b = Buffer.allocUnsafeSlow(src.length);
  b.set(src);
  return b;
}
