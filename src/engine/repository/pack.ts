// Pack files: sealed blobs one after another, then the sealed header, then the header's length
// (uint32 LE). Header entries, per blob: type (0 data, 1 tree: 37 bytes; 2 compressed data,
// 3 compressed tree: 41 bytes), sealed length (uint32 LE), for compressed types the plaintext
// length (uint32 LE), then the 32-byte SHA-256 of the plaintext. A pack's id is the SHA-256 of it.
import { OVERHEAD, open, seal, sha256, type Key } from './crypto.ts';
import { IntegrityError } from './errors.ts';

export type BlobType = 'data' | 'tree';

export interface PackedBlob {
  id: Buffer;
  type: BlobType;
  offset: number;
  /** Sealed length in the pack. */
  length: number;
  /** Plaintext length before compression; 0 when the blob is not compressed. */
  uncompressedLength: number;
}

const ENTRY = 37;
const ENTRY_COMPRESSED = 41;

export function encodeHeader(blobs: PackedBlob[]): Buffer {
  let size = 0;
  for (const b of blobs) size += b.uncompressedLength ? ENTRY_COMPRESSED : ENTRY;
  const out = Buffer.allocUnsafe(size);
  let o = 0;
  for (const b of blobs) {
    const t = (b.type === 'tree' ? 1 : 0) + (b.uncompressedLength ? 2 : 0);
    out[o++] = t;
    out.writeUInt32LE(b.length, o);
    o += 4;
    if (b.uncompressedLength) {
      out.writeUInt32LE(b.uncompressedLength, o);
      o += 4;
    }
    b.id.copy(out, o);
    o += 32;
  }
  return out;
}

export function decodeHeader(plain: Buffer): PackedBlob[] {
  const out: PackedBlob[] = [];
  let o = 0;
  let offset = 0;
  while (o < plain.length) {
    const t = plain[o]!;
    if (t > 3) throw new IntegrityError(`pack header: unknown blob type ${t}`);
    const compressed = t >= 2;
    if (o + (compressed ? ENTRY_COMPRESSED : ENTRY) > plain.length) throw new IntegrityError('pack header: truncated entry');
    const length = plain.readUInt32LE(o + 1);
    const uncompressedLength = compressed ? plain.readUInt32LE(o + 5) : 0;
    o += compressed ? 9 : 5;
    const id = Buffer.from(plain.subarray(o, o + 32));
    o += 32;
    out.push({ id, type: t & 1 ? 'tree' : 'data', offset, length, uncompressedLength });
    offset += length;
  }
  return out;
}

/** The size of a pack's tail (sealed header + length field) for a header of these blobs. */
export function headerSize(blobs: PackedBlob[]): number {
  let size = OVERHEAD + 4;
  for (const b of blobs) size += b.uncompressedLength ? ENTRY_COMPRESSED : ENTRY;
  return size;
}

/** Reads the header from a pack's last bytes. `tail` must end at the end of the pack. */
export function parsePackTail(key: Key, tail: Buffer, packSize: number): PackedBlob[] | { need: number } {
  if (tail.length < 4) return { need: 4 };
  const hlen = tail.readUInt32LE(tail.length - 4);
  if (hlen + 4 > packSize || hlen < OVERHEAD) throw new IntegrityError(`pack header length ${hlen} does not fit the pack`);
  if (tail.length < hlen + 4) return { need: hlen + 4 };
  const sealed = tail.subarray(tail.length - 4 - hlen, tail.length - 4);
  const blobs = decodeHeader(open(key, sealed, 'pack header'));
  const dataEnd = packSize - 4 - hlen;
  const last = blobs.at(-1);
  if (last && last.offset + last.length !== dataEnd) throw new IntegrityError('pack header does not match the pack size');
  return blobs;
}

/**
 * Collects sealed blobs of one type into a pack. Each blob is copied into one growing buffer as
 * it comes, so the sealed buffers can be freed at once and the finished pack needs no second
 * copy of itself (its pages are only touched as they fill, so reserving room costs no memory).
 */
export class PackBuilder {
  readonly blobs: PackedBlob[] = [];
  size = 0;

  constructor(
    private reserve = 0,
    /** A buffer to fill first (one given back after an earlier pack was written). */
    private buf: Buffer | undefined = undefined,
  ) {}

  add(id: Buffer, type: BlobType, sealed: Uint8Array, uncompressedLength: number): void {
    this.blobs.push({ id, type, offset: this.size, length: sealed.length, uncompressedLength });
    this.ensure(this.size + sealed.length);
    this.buf!.set(sealed, this.size);
    this.size += sealed.length;
  }

  /** Adds a blob that `write` seals straight into the pack (in at most `maxLength` bytes). */
  addInPlace(id: Buffer, type: BlobType, maxLength: number, write: (buf: Buffer, offset: number) => { length: number; uncompressedLength: number }): void {
    this.ensure(this.size + maxLength);
    const { length, uncompressedLength } = write(this.buf!, this.size);
    this.blobs.push({ id, type, offset: this.size, length, uncompressedLength });
    this.size += length;
  }

  private ensure(n: number): void {
    if (this.buf && this.buf.length >= n) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(n, this.reserve, this.buf ? this.buf.length * 2 : 64 * 1024));
    if (this.buf) this.buf.copy(grown, 0, 0, this.size);
    this.buf = grown;
  }

  get count(): number {
    return this.blobs.length;
  }

  /** The finished pack's bytes and id. */
  finish(key: Key): { id: string; bytes: Buffer; blobs: PackedBlob[] } {
    const header = seal(key, encodeHeader(this.blobs));
    const total = this.size + header.length + 4;
    this.ensure(total);
    const bytes = this.buf!.subarray(0, total);
    header.copy(bytes, this.size);
    bytes.writeUInt32LE(header.length, this.size + header.length);
    this.buf = undefined;
    return { id: sha256(bytes).toString('hex'), bytes, blobs: this.blobs };
  }
}
