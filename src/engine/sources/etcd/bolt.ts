// Reads the facts `etcdctl snapshot status` reports (total keys, revision) from an etcd snapshot
// as it streams by, without keeping it: etcd's backend is a bbolt file, and a snapshot is that
// file page by page. Each page is summed up as it passes (a branch's children, a leaf's entry
// count, its buckets and its last key); at the end the trees are walked from the meta page's
// root, so free and stale pages never count.
//
// bbolt layout (little-endian): a page is `id u64, flags u16, count u16, overflow u32`, then
// elements; a branch element is `pos u32, ksize u32, pgid u64`, a leaf element
// `flags u32, pos u32, ksize u32, vsize u32` (pos from the element's own start). The meta page
// holds `magic, version, pageSize, flags, root {pgid, sequence}, freelist, pgid, txid, checksum`.

const BRANCH = 0x01;
const LEAF = 0x02;
const META = 0x04;
const BUCKET_LEAF = 0x01;
const MAGIC = 0xed0cdaed;
const HEADER = 16;
const ELEMENT = 16;
/** A page larger than this is not believed (a stale header in a freed page). */
const MAX_PAGE_BYTES = 64 * 1024 * 1024;

interface BucketRef {
  name: string;
  /** The bucket's root page, or its entries when it is inline (root 0). */
  root: bigint;
  inline?: PageSummary;
}

interface PageSummary {
  branch?: bigint[];
  /** Plain key/value entries of a leaf. */
  entries: number;
  buckets: BucketRef[];
  lastKey?: Buffer;
}

function summarize(page: Buffer, at = 0): PageSummary | undefined {
  const flags = page.readUInt16LE(at + 8);
  const count = page.readUInt16LE(at + 10);
  if (flags === BRANCH) {
    const branch: bigint[] = [];
    for (let i = 0; i < count; i++) branch.push(page.readBigUInt64LE(at + HEADER + i * ELEMENT + 8));
    return { branch, entries: 0, buckets: [] };
  }
  if (flags !== LEAF) return undefined;
  const s: PageSummary = { entries: 0, buckets: [] };
  for (let i = 0; i < count; i++) {
    const e = at + HEADER + i * ELEMENT;
    const eflags = page.readUInt32LE(e);
    const pos = page.readUInt32LE(e + 4);
    const ksize = page.readUInt32LE(e + 8);
    const vsize = page.readUInt32LE(e + 12);
    const key = page.subarray(e + pos, e + pos + ksize);
    if (eflags & BUCKET_LEAF) {
      const v = e + pos + ksize;
      const root = page.readBigUInt64LE(v);
      const ref: BucketRef = { name: key.toString('latin1'), root };
      if (root === 0n && vsize > 16) ref.inline = summarize(page, v + 16);
      s.buckets.push(ref);
    } else {
      s.entries++;
    }
    if (i === count - 1) s.lastKey = Buffer.from(key);
  }
  return s;
}

export interface BoltStatus {
  /** Entries in all top-level buckets: etcdctl's TOTAL KEYS. */
  totalKeys: number;
  /** The main revision of the last key in the `key` bucket: etcdctl's REVISION. */
  revision: number;
  /** Entries per top-level bucket. */
  buckets: Record<string, number>;
}

/** Feed it the snapshot's bytes in order; `status()` at the end. */
export class BoltStatusReader {
  private pageSize = 0;
  private window = Buffer.alloc(0);
  /** Index of the page the window starts at. */
  private base = 0n;
  private pages = new Map<bigint, PageSummary>();
  private metas: { root: bigint; txid: bigint }[] = [];
  private failed?: string;

  update(chunk: Uint8Array): void {
    if (this.failed) return;
    this.window = this.window.length ? Buffer.concat([this.window, chunk]) : Buffer.from(chunk);
    try {
      this.drain(false);
    } catch (e) {
      this.failed = (e as Error).message;
    }
  }

  private drain(final: boolean): void {
    if (!this.pageSize) {
      if (this.window.length < HEADER + 12) return;
      if (this.window.readUInt32LE(HEADER) !== MAGIC) throw new Error('not a bbolt file (no magic in its first meta page)');
      this.pageSize = this.window.readUInt32LE(HEADER + 8);
      if (this.pageSize < 512 || this.pageSize > 65536) throw new Error(`unlikely bbolt page size ${this.pageSize}`);
    }
    const ps = this.pageSize;
    let off = 0;
    while (this.window.length - off >= ps) {
      const id = this.window.readBigUInt64LE(off);
      const flags = this.window.readUInt16LE(off + 8);
      const overflow = this.window.readUInt32LE(off + 12);
      if (id === this.base && flags === META && this.window.readUInt32LE(off + HEADER) === MAGIC) {
        this.metas.push({ root: this.window.readBigUInt64LE(off + HEADER + 16), txid: this.window.readBigUInt64LE(off + HEADER + 48) });
      } else if (id === this.base && (flags === BRANCH || flags === LEAF)) {
        const size = (overflow + 1) * ps;
        if (size <= MAX_PAGE_BYTES) {
          if (this.window.length - off < size && !final) break; // wait for the rest of this page
          if (this.window.length - off >= size) {
            try {
              const s = summarize(this.window.subarray(off, off + size));
              if (s) this.pages.set(id, s);
            } catch {
              /* a stale page that does not parse: never reachable anyway */
            }
          }
        }
      }
      off += ps;
      this.base++;
    }
    if (off) this.window = Buffer.from(this.window.subarray(off));
  }

  /** What etcdctl snapshot status would say; throws if the bytes were not a readable bbolt file. */
  status(): BoltStatus {
    if (!this.failed) {
      try {
        this.drain(true);
      } catch (e) {
        this.failed = (e as Error).message;
      }
    }
    if (this.failed) throw new Error(this.failed);
    const meta = [...this.metas].sort((a, b) => (a.txid > b.txid ? -1 : 1))[0];
    if (!meta) throw new Error('no meta page found');
    const leaves = (root: bigint, inline?: PageSummary): PageSummary[] => {
      if (inline) return [inline];
      const out: PageSummary[] = [];
      const stack = [root];
      while (stack.length) {
        const id = stack.pop()!;
        const p = this.pages.get(id);
        if (!p) throw new Error(`page ${id} is missing or damaged`);
        if (p.branch) for (let i = p.branch.length - 1; i >= 0; i--) stack.push(p.branch[i]!);
        else out.push(p);
      }
      return out; // in key order
    };
    const buckets: Record<string, number> = {};
    let totalKeys = 0;
    let revision = 0;
    for (const leaf of leaves(meta.root)) {
      for (const b of leaf.buckets) {
        const inside = leaves(b.root, b.inline);
        // bbolt's ForEach in a bucket visits nested buckets' names too; etcd has none.
        const n = inside.reduce((sum, l) => sum + l.entries + l.buckets.length, 0);
        buckets[b.name] = n;
        totalKeys += n;
        if (b.name === 'key') {
          const last = inside.filter((l) => l.lastKey).at(-1)?.lastKey;
          if (last && last.length >= 8) revision = Number(last.readBigUInt64BE(0));
        }
      }
    }
    return { totalKeys, revision, buckets };
  }
}
