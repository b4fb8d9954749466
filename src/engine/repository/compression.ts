// zstd, as restic 0.14 uses it in repository version 2: blobs are single zstd frames; unpacked
// files (index, snapshots, locks) are the byte 2 followed by a zstd frame, while a plaintext that
// starts with `{` or `[` is uncompressed JSON (version 1 files).
import { createRequire } from 'node:module';
import type { Compressor } from 'zstd-napi';

// The addon loads on first use: a command that compresses nothing (`--help`) does not pay for it.
type Zstd = typeof import('zstd-napi');
let zstdLib: Zstd | undefined;
const zstd = (): Zstd => (zstdLib ??= createRequire(import.meta.url)('zstd-napi') as Zstd);
import { IntegrityError } from './errors.ts';

/** zstd level for blobs and files: 3 is close to restic's "auto". */
export const DEFAULT_LEVEL = 3;

const compressors = new Map<number, Compressor>();

export function zstdCompress(data: Uint8Array, level = DEFAULT_LEVEL): Buffer {
  let c = compressors.get(level);
  if (!c) {
    c = new (zstd().Compressor)();
    c.setParameters({ compressionLevel: level, checksumFlag: false, contentSizeFlag: true });
    compressors.set(level, c);
  }
  return c.compress(data);
}

export function zstdDecompress(data: Uint8Array, expectedLength?: number): Buffer {
  const out = zstd().decompress(data);
  if (expectedLength !== undefined && out.length !== expectedLength) {
    throw new IntegrityError(`decompressed ${out.length} bytes where the index says ${expectedLength}`);
  }
  return out;
}

/** Plaintext of an unpacked file in version 2: 0x02 then zstd(JSON). */
export function packUnpacked(json: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([2]), zstdCompress(json)]);
}

export function unpackUnpacked(plain: Buffer): Buffer {
  if (plain.length === 0) return plain;
  const first = plain[0];
  if (first === 0x7b || first === 0x5b) return plain;
  if (first === 2) return zstdDecompress(plain.subarray(1));
  throw new IntegrityError(`unknown file format version ${first}`);
}

/**
 * Whether compressing a blob is worth it: a 64 KiB sample from its middle, compressed at level 1,
 * must shrink by at least 3%. Already-compressed data (image layers, gzip, JPEG) is stored raw.
 */
export function worthCompressing(data: Uint8Array): boolean {
  // Up to twice the sample, compressing the blob itself costs no more than sampling it would.
  if (data.length <= 128 * 1024) return true;
  const n = Math.min(65536, data.length);
  const start = (data.length - n) >> 1;
  const sample = data.subarray(start, start + n);
  return zstdCompress(sample, 1).length < n * 0.97;
}

// Blobs compress into one scratch buffer per thread, reused: a fresh compressBound-sized buffer
// per blob (and a trimmed copy of it) is what made a backup's memory several times its live data.
type Binding = typeof import('zstd-napi/binding.js');
let binding: Binding | undefined;
const blobContexts = new Map<number, InstanceType<Binding['CCtx']>>();
let scratch: Buffer | undefined;

function blobContext(level: number): InstanceType<Binding['CCtx']> {
  binding ??= createRequire(import.meta.url)('zstd-napi/binding.js') as Binding;
  let cctx = blobContexts.get(level);
  if (!cctx) {
    cctx = new binding.CCtx();
    cctx.setParameter(binding.CParameter.compressionLevel, level);
    cctx.setParameter(binding.CParameter.checksumFlag, 0);
    cctx.setParameter(binding.CParameter.contentSizeFlag, 1);
    blobContexts.set(level, cctx);
  }
  return cctx;
}

/** Room that compressing `length` bytes may need. */
export function compressRoom(length: number): number {
  binding ??= createRequire(import.meta.url)('zstd-napi/binding.js') as Binding;
  return binding.compressBound(length);
}

/**
 * compressBlob into `dest` (compressRoom(data.length) bytes): the compressed length, or 0 when
 * the blob is stored as it is (not worth it, or it would not shrink). No scratch buffer.
 */
export function compressBlobInto(data: Uint8Array, level: number, dest: Uint8Array): number {
  if (level <= 0 || !worthCompressing(data)) return 0;
  const n = blobContext(level).compress2(dest, data);
  return n < data.length ? n : 0;
}

function blobCompress(data: Uint8Array, level: number): Buffer {
  const cctx = blobContext(level);
  const bound = binding!.compressBound(data.length);
  if (!scratch || scratch.length < bound) scratch = Buffer.allocUnsafeSlow(Math.max(bound, binding!.compressBound(8 * 1024 * 1024)));
  const n = cctx.compress2(scratch, data);
  return scratch.subarray(0, n);
}

/**
 * A blob's stored plaintext: zstd when it is worth it and shrinks, else the bytes as they are.
 * A compressed plaintext lives in this thread's scratch buffer: seal it before the next call.
 */
export function compressBlob(data: Uint8Array, level: number): { plain: Uint8Array; uncompressedLength: number } {
  if (level > 0 && worthCompressing(data)) {
    const c = blobCompress(data, level);
    if (c.length < data.length) return { plain: c, uncompressedLength: data.length };
  }
  return { plain: data, uncompressedLength: 0 };
}
