// Fills a data pack with new chunks, each compressed (when worth it) and sealed straight into the
// pack's buffer: no scratch buffer, no copy. Used by every thread that stores file content (the
// workers, and the main thread as one more), each with a pack of its own.
import { MAX_SIZE } from './chunker.ts';
import { compressBlobInto, compressRoom } from './compression.ts';
import { IV_SIZE, OVERHEAD, sealInPlace, type Key } from './crypto.ts';
import { PackBuilder, type PackedBlob } from './pack.ts';

export interface FinishedPack {
  id: string;
  bytes: Buffer;
  blobs: PackedBlob[];
}

export class PackFiller {
  private pack: PackBuilder | undefined;
  /** New blob bytes (before compression) added since last asked. */
  stored = 0;

  constructor(
    private key: Key,
    private level: number,
    private packSize: number,
    /** A buffer to fill again (one whose pack was written), if there is one. */
    private reuse: () => Buffer | undefined = () => undefined,
  ) {}

  /** Room for a full pack and the blob that overflows it, untouched until filled. */
  private newPack(): PackBuilder {
    return new PackBuilder(this.packSize + MAX_SIZE + 64 * 1024, this.reuse());
  }

  get count(): number {
    return this.pack?.count ?? 0;
  }

  /** Adds a new blob; returns true when the pack is full (take it with finish). */
  add(id: Uint8Array, chunk: Uint8Array): boolean {
    this.pack ??= this.newPack(); // only now: a buffer given back meanwhile is filled again
    this.pack.addInPlace(Buffer.from(id), 'data', compressRoom(chunk.length) + OVERHEAD, (buf, at) => {
      const body = buf.subarray(at + IV_SIZE, at + IV_SIZE + compressRoom(chunk.length));
      let n = compressBlobInto(chunk, this.level, body);
      const uncompressedLength = n ? chunk.length : 0;
      if (!n) {
        body.set(chunk);
        n = chunk.length;
      }
      return { length: sealInPlace(this.key, buf, at, n), uncompressedLength };
    });
    this.stored += chunk.length;
    return this.pack.size >= this.packSize;
  }

  /** The finished pack (header, id); the next blobs go into a new one. */
  finish(): FinishedPack {
    const done = this.pack!.finish(this.key);
    this.pack = undefined;
    return done;
  }
}
