// Where every blob is: pack id, offset, sealed length, plaintext length. In memory the index is an
// open-addressing hash table over typed arrays (about 60 bytes per blob, against ~165 for a Map
// keyed by hex strings). On disk it is restic's index files: JSON, at most ~8 MiB each.
import { IntegrityError } from './errors.ts';
import type { BlobType, PackedBlob } from './pack.ts';

export interface IndexEntry {
  packId: string;
  type: BlobType;
  offset: number;
  length: number;
  uncompressedLength: number;
}

export interface IndexPack {
  id: string;
  blobs: PackedBlob[];
}

export interface IndexFileJson {
  supersedes?: string[];
  packs: { id: string; blobs: { id: string; type: BlobType; offset: number; length: number; uncompressed_length?: number }[] }[];
}

export function encodeIndexFile(packs: IndexPack[], supersedes?: string[]): Buffer {
  const j: IndexFileJson = {
    ...(supersedes?.length ? { supersedes } : {}),
    packs: packs.map((p) => ({
      id: p.id,
      blobs: p.blobs.map((b) => ({
        id: b.id.toString('hex'),
        type: b.type,
        offset: b.offset,
        length: b.length,
        ...(b.uncompressedLength ? { uncompressed_length: b.uncompressedLength } : {}),
      })),
    })),
  };
  return Buffer.from(JSON.stringify(j));
}

export function decodeIndexFile(bytes: Buffer): { supersedes: string[]; packs: IndexPack[] } {
  const j = JSON.parse(bytes.toString('utf8')) as IndexFileJson;
  return {
    supersedes: j.supersedes ?? [],
    packs: (j.packs ?? []).map((p) => ({
      id: p.id,
      blobs: (p.blobs ?? []).map((b) => ({
        id: Buffer.from(b.id, 'hex'),
        type: b.type,
        offset: b.offset,
        length: b.length,
        uncompressedLength: b.uncompressed_length ?? 0,
      })),
    })),
  };
}

/** Blobs per index file: restic keeps index files under ~8 MiB. */
export const INDEX_FILE_MAX_BLOBS = 50_000;

export class MasterIndex {
  private cap = 0;
  private n = 0;
  private ids = new Uint8Array(0);
  private packNo = new Uint32Array(0);
  private offsets = new Uint32Array(0);
  private lengths = new Uint32Array(0);
  private ulens = new Uint32Array(0);
  private types = new Uint8Array(0);
  private table = new Int32Array(0);
  private mask = 0;
  private packIds: string[] = [];
  private packNoById = new Map<string, number>();

  constructor() {
    this.grow(1024);
  }

  get size(): number {
    return this.n;
  }

  private grow(cap: number): void {
    const copy = <T extends Uint8Array | Uint32Array>(old: T, n: number): T => {
      const a = new (old.constructor as new (n: number) => T)(n);
      a.set(old);
      return a;
    };
    this.ids = copy(this.ids, cap * 32);
    this.packNo = copy(this.packNo, cap);
    this.offsets = copy(this.offsets, cap);
    this.lengths = copy(this.lengths, cap);
    this.ulens = copy(this.ulens, cap);
    this.types = copy(this.types, cap);
    this.cap = cap;
    let tsize = 1;
    while (tsize < cap * 2) tsize <<= 1;
    this.table = new Int32Array(tsize);
    this.mask = tsize - 1;
    for (let i = 0; i < this.n; i++) this.place(i);
  }

  private slotOf(id: Uint8Array, o: number): number {
    return ((id[o]! | (id[o + 1]! << 8) | (id[o + 2]! << 16) | (id[o + 3]! << 24)) >>> 0) & this.mask;
  }

  private place(i: number): void {
    let s = this.slotOf(this.ids, i * 32);
    while (this.table[s] !== 0) s = (s + 1) & this.mask;
    this.table[s] = i + 1;
  }

  private find(id: Uint8Array): number {
    let s = this.slotOf(id, 0);
    for (;;) {
      const e = this.table[s]!;
      if (e === 0) return -1;
      const o = (e - 1) * 32;
      let same = true;
      for (let k = 0; k < 32; k++) {
        if (this.ids[o + k] !== id[k]) {
          same = false;
          break;
        }
      }
      if (same) return e - 1;
      s = (s + 1) & this.mask;
    }
  }

  has(id: Uint8Array | string): boolean {
    return this.find(typeof id === 'string' ? Buffer.from(id, 'hex') : id) >= 0;
  }

  lookup(id: Uint8Array | string): IndexEntry | undefined {
    const i = this.find(typeof id === 'string' ? Buffer.from(id, 'hex') : id);
    if (i < 0) return undefined;
    return {
      packId: this.packIds[this.packNo[i]!]!,
      type: this.types[i] ? 'tree' : 'data',
      offset: this.offsets[i]!,
      length: this.lengths[i]!,
      uncompressedLength: this.ulens[i]!,
    };
  }

  /** Adds a blob; a blob already known (a duplicate in another pack) keeps its first place. */
  add(packId: string, b: PackedBlob): void {
    if (this.find(b.id) >= 0) return;
    if (this.n === this.cap) this.grow(this.cap * 2);
    let p = this.packNoById.get(packId);
    if (p === undefined) {
      p = this.packIds.length;
      this.packIds.push(packId);
      this.packNoById.set(packId, p);
    }
    const i = this.n++;
    this.ids.set(b.id, i * 32);
    this.packNo[i] = p;
    this.offsets[i] = b.offset;
    this.lengths[i] = b.length;
    this.ulens[i] = b.uncompressedLength;
    this.types[i] = b.type === 'tree' ? 1 : 0;
    this.place(i);
  }

  /**
   * Adds the packs of a parsed index file straight from its JSON: no object or Buffer per blob,
   * which is what makes a million-blob index open in well under two seconds.
   */
  addIndexJson(j: IndexFileJson): void {
    for (const p of j.packs ?? []) {
      let pn = this.packNoById.get(p.id);
      if (pn === undefined) {
        pn = this.packIds.length;
        this.packIds.push(p.id);
        this.packNoById.set(p.id, pn);
      }
      const blobs = p.blobs ?? [];
      let cap = this.cap;
      while (cap < this.n + blobs.length) cap *= 2;
      if (cap !== this.cap) this.grow(cap);
      const ids = Buffer.from(this.ids.buffer, this.ids.byteOffset, this.ids.byteLength);
      for (const b of blobs) {
        const i = this.n;
        if (typeof b.id !== 'string' || b.id.length !== 64 || ids.write(b.id, i * 32, 32, 'hex') !== 32) {
          throw new IntegrityError(`pack ${String(p.id).slice(0, 8)}: blob id ${JSON.stringify(b.id)} is not 64 hex digits`);
        }
        if (this.find(this.ids.subarray(i * 32, i * 32 + 32)) >= 0) continue; // a duplicate keeps its first place
        this.packNo[i] = pn;
        this.offsets[i] = b.offset;
        this.lengths[i] = b.length;
        this.ulens[i] = b.uncompressed_length ?? 0;
        this.types[i] = b.type === 'tree' ? 1 : 0;
        this.n++;
        this.place(i);
      }
    }
  }

  addPack(p: IndexPack): void {
    if (!this.packNoById.has(p.id)) {
      this.packNoById.set(p.id, this.packIds.length);
      this.packIds.push(p.id);
    }
    for (const b of p.blobs) this.add(p.id, b);
  }

  /** Every blob id, as 32-byte views (valid until the next add). */
  *blobIds(): Generator<Uint8Array> {
    for (let i = 0; i < this.n; i++) yield this.ids.subarray(i * 32, i * 32 + 32);
  }

  hasPack(id: string): boolean {
    return this.packNoById.has(id);
  }

  packs(): string[] {
    return [...this.packIds];
  }
}
