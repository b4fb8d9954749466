import { AsyncLocalStorage } from 'node:async_hooks';
// SnapshotWriter: builds one snapshot. Files and streams are cut into chunks on this thread
// (FastCDC, then SHA-256 for the blob id and dedup against the index), and the chunks that are
// new go to worker threads to be compressed and sealed. A bounded number of batches is in
// flight, so memory stays flat however large the input. Sealed blobs fill packs (data and tree
// blobs apart) of about 16 MiB, written atomically; index files follow every few packs; the
// snapshot file is written last, so a backup that stops half-way never looks finished, and the
// packs it wrote are found again by the next backup (see recoverUnindexedPacks).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileName } from './backend/backend.ts';
import { Chunker, MAX_SIZE, MIN_SIZE, ownBuffer } from './chunker.ts';
import { compressBlob, DEFAULT_LEVEL } from './compression.ts';
import { seal, sha256 } from './crypto.ts';
import { nodeFromStat } from './disk.ts';
import { encodeIndexFile, INDEX_FILE_MAX_BLOBS, type IndexPack } from './master-index.ts';
import { PackBuilder, parsePackTail, type BlobType } from './pack.ts';
import { WorkerPool } from './pool.ts';
import { collectBuffers } from './collect.ts';
import { currentUser, mapLimit, type HeldLock, type Repository } from './repository.ts';
import { encodeSnapshot, type Snapshot } from './snapshot.ts';
import { encodeTree, formatTime, GO_MODE, type Node } from './tree.ts';
import { isStale, type LockJson } from './lock.ts';

/** What a backup has done so far; reported through `onProgress`. */
export interface Progress {
  /** Input bytes read (files and streams). */
  bytesDone: number;
  /** Files, directories, symlinks and streams finished. */
  itemsDone: number;
  /** Files found unchanged against the parent snapshot, and not read again. */
  filesUnchanged?: number;
  /** Bytes of new (not deduplicated) blob data sent to be stored, before compression. */
  bytesNew: number;
  /** Sealed bytes written into packs. */
  bytesWritten: number;
  /** The path (in the snapshot) being worked on. */
  path?: string;
}

export interface WriterOptions {
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  /** zstd level for blobs (default 3); 0 stores them uncompressed. */
  compressionLevel?: number;
  /** Worker threads (default: the number of cores). */
  workers?: number;
  /** Target pack size in bytes (default 16 MiB). */
  packSize?: number;
  /** Packs per index file written while the backup runs (default 16). */
  packsPerIndex?: number;
  /**
   * A snapshot to compare with (restic's parent): a file whose size, times and inode match the
   * same path there keeps that content without being read again.
   */
  parent?: string;
}

/** Metadata of a file added from a stream or bytes. */
export interface FileMeta {
  /** Permission bits (default 0o644). */
  mode?: number;
  mtime?: Date;
  uid?: number;
  gid?: number;
  user?: string;
  group?: string;
}

export interface CommitOptions {
  tags?: string[];
  hostname?: string;
  /** The paths the snapshot stands for (default: the paths added). */
  paths?: string[];
  time?: Date;
  parent?: string;
}

interface VDir {
  children: Map<string, Node | VDir>;
  meta?: Node;
}

function isVDir(x: Node | VDir): x is VDir {
  return (x as VDir).children !== undefined;
}

/** Splits a snapshot path ("/a/b/c") into checked names; throws on "..", "." or empty names. */
export function snapshotPathParts(p: string): string[] {
  const parts = p.split('/').filter((s) => s !== '');
  for (const s of parts) if (s === '.' || s === '..' || s.includes('\0')) throw new Error(`invalid snapshot path ${p}`);
  return parts;
}

const nsOf = (d: Date) => BigInt(d.getTime()) * 1_000_000n;

function dirMeta(name: string, now: Date): Node {
  const u = currentUser();
  const t = formatTime(nsOf(now));
  return { name, type: 'dir', mode: (GO_MODE.dir | 0o755) >>> 0, mtime: t, atime: t, ctime: t, uid: u.uid, gid: u.gid, content: null };
}

/** What one add (a folder from disk) has done so far, seen through every await inside it. */
interface CallTally {
  bytes: number;
  items: number;
  last: number;
  onProgress?: (p: { bytes: number; items: number }) => void;
}
const callTally = new AsyncLocalStorage<CallTally>();

interface Pending {
  id: Buffer;
  type: BlobType;
}

export class SnapshotWriter {
  private pool: WorkerPool;
  /** The parent snapshot's root tree, and its folders' entries by snapshot path, as read. */
  private parentRoot?: string;
  private parentDirs = new Map<string, Promise<Map<string, Node> | undefined>>();
  /** Chunkers not in use: each file or stream being added takes one, so adds can run at once. */
  private spareChunkers: Chunker[] = [];
  private root: VDir = { children: new Map() };
  private addedPaths: string[] = [];
  /** Blob ids (hex) sent to be stored but not yet in a written pack. */
  private pending = new Set<string>();
  private packs: Record<BlobType, PackBuilder>;
  private batch: Buffer[] = [];
  private batchMeta: Pending[] = [];
  private batchBytes = 0;
  private inflight = new Set<Promise<void>>();
  private writes = new Set<Promise<void>>();
  private unindexed: IndexPack[] = [];
  private failure: Error | undefined;
  private done = false;
  private progress: Progress = { bytesDone: 0, itemsDone: 0, bytesNew: 0, bytesWritten: 0 };
  private lastReport = 0;
  private readonly packSize: number;
  private readonly packsPerIndex: number;
  private readonly level: number;
  private readonly maxInflight: number;

  private constructor(
    readonly repo: Repository,
    private lockHeld: HeldLock,
    private opts: WriterOptions,
  ) {
    this.level = opts.compressionLevel ?? DEFAULT_LEVEL;
    if (repo.config.version < 2) this.level = 0;
    this.pool = new WorkerPool(repo.key, this.level, opts.workers);
    this.maxInflight = this.pool.size;
    this.packSize = opts.packSize ?? 16 * 1024 * 1024;
    this.packsPerIndex = opts.packsPerIndex ?? 16;
    this.packs = { data: this.newPack(), tree: this.newPack() };
  }

  /** Room for a full pack and the blob that overflows it: reserved, not touched, until filled. */
  private newPack(): PackBuilder {
    return new PackBuilder(this.packSize + MAX_SIZE + 64 * 1024);
  }

  /**
   * Starts a snapshot: takes a shared lock, loads the index, and indexes packs an interrupted
   * backup left without an index so their blobs are reused.
   */
  static async start(repo: Repository, opts: WriterOptions = {}): Promise<SnapshotWriter> {
    const held = await repo.lock(false);
    try {
      await repo.loadIndex();
      const w = new SnapshotWriter(repo, held, opts);
      await w.recoverUnindexedPacks();
      if (opts.parent) w.parentRoot = await repo.findSnapshot(opts.parent).then((s) => s.tree, () => undefined);
      return w;
    } catch (e) {
      await held.release();
      throw e;
    }
  }

  /**
   * Packs that no index file names are what a killed backup leaves behind. When no other live
   * lock exists (no other writer whose packs are still on their way to an index), read their
   * headers and index them, so their blobs count for dedup instead of being written again.
   */
  private async recoverUnindexedPacks(): Promise<void> {
    const repo = this.repo;
    const orphans = (await repo.backend.list('data')).filter((f) => !repo.index.hasPack(f.id));
    if (orphans.length === 0) return;
    for (const f of await repo.backend.list('locks')) {
      if (f.id === this.lockHeld.id) continue;
      try {
        if (!isStale(await repo.loadJson<LockJson>('locks', f.id))) return;
      } catch {
        // a lock that went away
      }
    }
    await mapLimit(orphans, 4, async (f) => {
      try {
        let tail = await repo.backend.read(fileName('data', f.id), -Math.min(f.size, 64 * 1024));
        let blobs = parsePackTail(repo.key, tail, f.size);
        if (!Array.isArray(blobs)) {
          tail = await repo.backend.read(fileName('data', f.id), -blobs.need);
          blobs = parsePackTail(repo.key, tail, f.size);
        }
        if (!Array.isArray(blobs)) return;
        const pack = { id: f.id, blobs };
        repo.index.addPack(pack);
        this.unindexed.push(pack);
      } catch {
        // not a readable pack: prune removes it
      }
    });
    await this.writeIndex();
  }

  get stats(): Readonly<Progress> {
    return this.progress;
  }

  private report(force = false): void {
    if (!this.opts.onProgress) return;
    const now = Date.now();
    if (!force && now - this.lastReport < 100) return;
    this.lastReport = now;
    this.opts.onProgress({ ...this.progress });
  }

  private checkState(): void {
    if (this.failure) throw this.failure;
    if (this.done) throw new Error('snapshot writer is already committed or aborted');
    this.opts.signal?.throwIfAborted();
  }

  // ---- the pipeline ----

  private async addChunk(chunk: Buffer): Promise<string> {
    const id = sha256(chunk);
    const hex = id.toString('hex');
    this.progress.bytesDone += chunk.length;
    const own = callTally.getStore();
    if (own) own.bytes += chunk.length;
    if (this.repo.index.has(id) || this.pending.has(hex)) return hex;
    this.pending.add(hex);
    this.progress.bytesNew += chunk.length;
    this.batch.push(chunk);
    this.batchMeta.push({ id, type: 'data' });
    this.batchBytes += chunk.length;
    if (this.batchBytes >= 4 * 1024 * 1024 || this.batch.length >= 256) await this.dispatch();
    return hex;
  }

  private async dispatch(): Promise<void> {
    if (this.batch.length === 0) return;
    const items = this.batch;
    const meta = this.batchMeta;
    this.batch = [];
    this.batchMeta = [];
    this.batchBytes = 0;
    while (this.inflight.size >= this.maxInflight) await Promise.race(this.inflight);
    this.checkState();
    const job: Promise<void> = this.pool
      .run(items)
      .then(async (results) => {
        for (let i = 0; i < results.length; i++) {
          const r = results[i]!;
          const sealed = Buffer.from(r.sealed.buffer, r.sealed.byteOffset, r.sealed.byteLength);
          await this.addSealed(meta[i]!.id, meta[i]!.type, sealed, r.uncompressedLength);
        }
      })
      .catch((e: Error) => {
        this.failure ??= e;
      })
      .finally(() => this.inflight.delete(job));
    this.inflight.add(job);
  }

  private async addSealed(id: Buffer, type: BlobType, sealed: Buffer, uncompressedLength: number): Promise<void> {
    const pack = this.packs[type];
    pack.add(id, type, sealed, uncompressedLength);
    if (pack.size >= this.packSize) await this.flushPack(type);
  }

  private async flushPack(type: BlobType): Promise<void> {
    const builder = this.packs[type];
    if (builder.count === 0) return;
    this.packs[type] = this.newPack();
    while (this.writes.size >= 2) await Promise.race(this.writes);
    const { id, bytes, blobs } = builder.finish(this.repo.key);
    const write: Promise<void> = this.repo.backend
      .write(fileName('data', id), bytes)
      .then(async () => {
        collectBuffers();
        this.progress.bytesWritten += bytes.length;
        for (const b of blobs) {
          this.repo.index.add(id, b);
          this.pending.delete(b.id.toString('hex'));
        }
        this.unindexed.push({ id, blobs });
        const blobCount = this.unindexed.reduce((n, p) => n + p.blobs.length, 0);
        if (this.unindexed.length >= this.packsPerIndex || blobCount >= INDEX_FILE_MAX_BLOBS) await this.writeIndex();
      })
      .catch((e: Error) => {
        this.failure ??= e;
      })
      .finally(() => this.writes.delete(write));
    this.writes.add(write);
  }

  private async writeIndex(): Promise<void> {
    if (this.unindexed.length === 0) return;
    const packs = this.unindexed;
    this.unindexed = [];
    const id = await this.repo.saveUnpacked('index', encodeIndexFile(packs));
    this.repo.indexFiles.add(id);
  }

  /** Waits for every batch and pack write in flight. */
  private async drain(): Promise<void> {
    await this.dispatch();
    while (this.inflight.size) await Promise.all(this.inflight);
    for (const t of ['data', 'tree'] as const) await this.flushPack(t);
    while (this.writes.size) await Promise.all(this.writes);
    if (this.failure) throw this.failure;
  }

  /**
   * Low level: stores a tree blob made of `nodes` (subtrees and contents must already be stored)
   * and returns its id. Runs on this thread: trees are small.
   */
  async writeTree(nodes: Node[]): Promise<string> {
    this.checkState();
    return this.storeTree(nodes);
  }

  /** Low level: places a finished node (e.g. a directory whose subtree came from writeTree) at `at`. */
  placeNode(at: string, node: Node): void {
    this.checkState();
    this.place(at, node);
  }

  private async storeTree(nodes: Node[]): Promise<string> {
    const bytes = encodeTree(nodes);
    const id = sha256(bytes);
    const hex = id.toString('hex');
    if (this.repo.index.has(id) || this.pending.has(hex)) return hex;
    this.pending.add(hex);
    const { plain, uncompressedLength } = compressBlob(bytes, this.level);
    await this.addSealed(id, 'tree', seal(this.repo.key, plain), uncompressedLength);
    return hex;
  }

  // ---- content ----

  private async contentFromFile(file: string, knownSize?: number): Promise<{ content: string[]; size: number }> {
    if (knownSize !== undefined && knownSize < MIN_SIZE) {
      // Small files (most files): one call reads it whole; it is one chunk, or a few if it grew.
      let buf: Buffer = fs.readFileSync(file);
      if (buf.byteOffset !== 0 || buf.buffer.byteLength !== buf.length) buf = ownBuffer(buf); // never a pooled slab: it goes to a worker
      // Read the size now: addChunk may hand the buffer to a worker, which empties it here.
      const size = buf.length;
      if (size === 0) return { content: [], size: 0 };
      if (size < MIN_SIZE) return { content: [await this.addChunk(buf)], size };
      const content: string[] = [];
      const chunker = this.borrowChunker();
      try {
        for (const c of [...chunker.push(buf), ...chunker.take(true)]) content.push(await this.addChunk(c));
      } finally {
        this.returnChunker(chunker);
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
        if (n > 0) content.push(await this.addChunk(n === buf.length ? buf : ownBuffer(buf.subarray(0, n))));
        return { content, size: n };
      }
      const chunker = this.borrowChunker();
      try {
        for (;;) {
          this.checkState();
          const got = chunker.fill((buf, off, len) => fs.readSync(fd, buf, off, len, null));
          size += got;
          for (const c of chunker.take(got === 0)) content.push(await this.addChunk(c));
          if (got === 0) break;
          this.report();
        }
      } finally {
        this.returnChunker(chunker);
      }
      return { content, size };
    } finally {
      fs.closeSync(fd);
    }
  }

  private async contentFromStream(source: AsyncIterable<Uint8Array | string>): Promise<{ content: string[]; size: number }> {
    const content: string[] = [];
    let size = 0;
    const chunker = this.borrowChunker();
    try {
      for await (const piece of source) {
        this.checkState();
        const buf = typeof piece === 'string' ? Buffer.from(piece) : piece;
        size += buf.length;
        for (const c of chunker.push(buf)) content.push(await this.addChunk(c));
        this.report();
      }
      for (const c of chunker.take(true)) content.push(await this.addChunk(c));
    } finally {
      this.returnChunker(chunker); // reset: a stream that failed must not leak into the next file
    }
    return { content, size };
  }

  /** Counts an item for the add it belongs to, and tells that add's listener. */
  private countItem(): void {
    const own = callTally.getStore();
    if (!own) return;
    own.items++;
    const now = Date.now();
    if (now - own.last >= 100) {
      own.last = now;
      own.onProgress?.({ bytes: own.bytes, items: own.items });
    }
  }

  private borrowChunker(): Chunker {
    return this.spareChunkers.pop() ?? new Chunker(this.repo.gear);
  }

  private returnChunker(c: Chunker): void {
    c.reset();
    // Each holds a 32 MiB buffer: keep a few for reuse, let the rest go.
    if (this.spareChunkers.length < 4) this.spareChunkers.push(c);
  }

  /** The entries of a tree of the parent snapshot, by name (undefined: none). */
  private async treeEntries(treeId: string | undefined): Promise<Map<string, Node> | undefined> {
    if (!treeId) return undefined;
    try {
      return new Map((await this.repo.loadTree(treeId)).nodes.map((n) => [n.name, n]));
    } catch {
      return undefined; // a damaged or pruned parent only means reading everything
    }
  }

  /** The parent snapshot's entries of the folder at `parts`, walking down from its root. */
  private parentEntries(parts: string[]): Promise<Map<string, Node> | undefined> {
    const key = parts.join('/');
    let found = this.parentDirs.get(key);
    if (!found) {
      found = parts.length === 0
        ? this.treeEntries(this.parentRoot)
        : this.parentEntries(parts.slice(0, -1)).then((up) => {
            const n = up?.get(parts.at(-1)!);
            return n?.type === 'dir' ? this.treeEntries(n.subtree ?? undefined) : undefined;
          });
      this.parentDirs.set(key, found);
    }
    return found;
  }

  /** Whether a file is as the parent snapshot has it, with all its content still stored. */
  private unchanged(node: Node, prev: Node | undefined): prev is Node & { content: string[] } {
    return (
      prev !== undefined &&
      prev.type === 'file' &&
      Array.isArray(prev.content) &&
      (prev.size ?? 0) === (node.size ?? 0) &&
      prev.mtime === node.mtime &&
      prev.ctime === node.ctime &&
      prev.inode === node.inode &&
      prev.content.every((id) => this.repo.index.has(Buffer.from(id, 'hex')) || this.pending.has(id))
    );
  }

  /** Walks a directory on disk, storing its files and trees bottom-up; returns its tree id. */
  private async storeDiskDir(dir: string, snapPath: string, prevTree?: string): Promise<string> {
    this.checkState();
    const nodes: Node[] = [];
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') names = [];
      else throw e;
    }
    const prev = await this.treeEntries(prevTree);
    for (const name of names) {
      const node = await this.diskNode(path.join(dir, name), name, snapPath === '/' ? `/${name}` : `${snapPath}/${name}`, prev?.get(name));
      if (node) nodes.push(node);
    }
    return this.storeTree(nodes);
  }

  /** One entry from disk as a node (undefined when it vanished while we looked). */
  private async diskNode(abs: string, name: string, snapPath: string, prev?: Node): Promise<Node | undefined> {
    let st: fs.BigIntStats;
    try {
      st = fs.lstatSync(abs, { bigint: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    const node = nodeFromStat(name, st);
    this.progress.path = snapPath;
    if (node.type === 'dir') {
      node.subtree = await this.storeDiskDir(abs, snapPath, prev?.type === 'dir' ? (prev.subtree ?? undefined) : undefined);
    } else if (node.type === 'file' && this.unchanged(node, prev)) {
      node.content = prev.content;
      const size = node.size ?? 0;
      this.progress.bytesDone += size;
      this.progress.filesUnchanged = (this.progress.filesUnchanged ?? 0) + 1;
      const own = callTally.getStore();
      if (own) own.bytes += size;
    } else if (node.type === 'file') {
      const { content, size } = await this.contentFromFile(abs, node.size);
      node.content = content;
      node.size = size || undefined;
    } else if (node.type === 'symlink') {
      node.linktarget = fs.readlinkSync(abs);
    }
    this.progress.itemsDone++;
    this.countItem();
    this.report();
    return node;
  }

  // ---- placing nodes in the snapshot's tree ----

  private parentDir(parts: string[], fromDisk?: string): VDir {
    let d = this.root;
    for (let i = 0; i < parts.length; i++) {
      const name = parts[i]!;
      let next = d.children.get(name);
      if (next === undefined) {
        let meta = dirMeta(name, new Date());
        if (fromDisk !== undefined) {
          try {
            meta = nodeFromStat(name, fs.lstatSync('/' + parts.slice(0, i + 1).join('/'), { bigint: true }));
          } catch {
            // keep the default
          }
        }
        next = { children: new Map(), meta };
        d.children.set(name, next);
      }
      if (!isVDir(next)) throw new Error(`snapshot path /${parts.slice(0, i + 1).join('/')} is a file, not a directory`);
      d = next;
    }
    return d;
  }

  private place(at: string, node: Node): void {
    const parts = snapshotPathParts(at);
    if (parts.length === 0) throw new Error('cannot place a file at the snapshot root');
    const dir = this.parentDir(parts.slice(0, -1));
    const name = parts.at(-1)!;
    if (dir.children.has(name)) throw new Error(`snapshot path ${at} was added twice`);
    dir.children.set(name, { ...node, name });
    this.addedPaths.push('/' + parts.join('/'));
  }

  /**
   * Adds a file, directory tree or symlink from disk at path `at` of the snapshot (default: its
   * own absolute path, with the metadata of its real parent directories, as restic does).
   * At "/" the entries of the directory become the snapshot's top level.
   */
  async addPath(diskPath: string, at?: string, opts: { onProgress?: (p: { bytes: number; items: number }) => void } = {}): Promise<{ bytes: number; items: number }> {
    const tally: CallTally = { bytes: 0, items: 0, last: 0, onProgress: opts.onProgress };
    await callTally.run(tally, () => this.addPathCounted(diskPath, at));
    const result = { bytes: tally.bytes, items: tally.items };
    opts.onProgress?.(result);
    return result;
  }

  private async addPathCounted(diskPath: string, at?: string): Promise<void> {
    this.checkState();
    const abs = path.resolve(diskPath);
    const target = at ?? abs;
    const parts = snapshotPathParts(target);
    if (parts.length === 0) {
      const prev = await this.parentEntries([]);
      for (const name of fs.readdirSync(abs)) {
        const node = await this.diskNode(path.join(abs, name), name, `/${name}`, prev?.get(name));
        if (node) this.place(`/${name}`, node);
      }
      this.report(true);
      return;
    }
    const dir = this.parentDir(parts.slice(0, -1), at === undefined ? abs : undefined);
    const siblings = await this.parentEntries(parts.slice(0, -1));
    const node = await this.diskNode(abs, parts.at(-1)!, '/' + parts.join('/'), siblings?.get(parts.at(-1)!));
    if (!node) throw new Error(`${abs} does not exist`);
    if (dir.children.has(node.name)) throw new Error(`snapshot path ${target} was added twice`);
    dir.children.set(node.name, node);
    this.addedPaths.push(at === undefined ? abs : '/' + parts.join('/'));
    this.report(true);
  }

  /** Adds a byte stream (a Node Readable or any async iterable of buffers) as a file at `at`. */
  async addStream(at: string, source: AsyncIterable<Uint8Array | string>, meta: FileMeta = {}): Promise<void> {
    this.checkState();
    snapshotPathParts(at);
    this.progress.path = at;
    const { content, size } = await this.contentFromStream(source);
    this.place(at, this.fileNode(meta, content, size));
    this.progress.itemsDone++;
    this.countItem();
    this.report(true);
  }

  /**
   * Keeps the file at `at` as the parent snapshot has it, without reading anything again (a
   * bucket's object whose ETag and time are unchanged); false when the parent has no such file
   * or its content is no longer all stored.
   */
  async keepFromParent(at: string): Promise<boolean> {
    this.checkState();
    const parts = snapshotPathParts(at);
    if (parts.length === 0) return false;
    const prev = (await this.parentEntries(parts.slice(0, -1)))?.get(parts.at(-1)!);
    if (prev?.type !== 'file' || !Array.isArray(prev.content)) return false;
    if (!prev.content.every((id) => this.repo.index.has(Buffer.from(id, 'hex')) || this.pending.has(id))) return false;
    this.place(at, prev);
    this.progress.itemsDone++;
    this.countItem();
    this.report(true);
    return true;
  }

  /** Adds small bytes (a manifest, a config file) as a file at `at`. */
  async addBytes(at: string, data: Uint8Array | string, meta: FileMeta = {}): Promise<void> {
    await this.addStream(at, (async function* () {
      yield typeof data === 'string' ? Buffer.from(data) : data;
    })(), meta);
  }

  private fileNode(meta: FileMeta, content: string[], size: number): Node {
    const u = currentUser();
    const t = formatTime(nsOf(meta.mtime ?? new Date()));
    return {
      name: '',
      type: 'file',
      mode: (meta.mode ?? 0o644) & 0o7777,
      mtime: t,
      atime: t,
      ctime: t,
      uid: meta.uid ?? u.uid,
      gid: meta.gid ?? u.gid,
      user: meta.user,
      group: meta.group,
      size: size || undefined,
      links: 1,
      content,
    };
  }

  private async storeVDir(d: VDir): Promise<string> {
    const nodes: Node[] = [];
    for (const [name, child] of d.children) {
      if (isVDir(child)) nodes.push({ ...(child.meta ?? dirMeta(name, new Date())), name, subtree: await this.storeVDir(child) });
      else nodes.push(child);
    }
    return this.storeTree(nodes);
  }

  // ---- finishing ----

  /**
   * Writes the rest: trees, last packs, index, then the snapshot file. Returns the snapshot id.
   */
  async commit(opts: CommitOptions = {}): Promise<string> {
    this.checkState();
    try {
      const tree = await this.storeVDir(this.root);
      await this.drain();
      await this.writeIndex();
      const u = currentUser();
      const snap: Snapshot = {
        time: formatTime(nsOf(opts.time ?? new Date())),
        parent: opts.parent,
        tree,
        paths: opts.paths ?? [...new Set(this.addedPaths)].sort(),
        hostname: opts.hostname ?? os.hostname(),
        username: u.username,
        uid: u.uid,
        gid: u.gid,
        tags: opts.tags,
      };
      const id = await this.repo.saveUnpacked('snapshots', encodeSnapshot(snap));
      this.report(true);
      return id;
    } catch (e) {
      await this.abort();
      throw e;
    } finally {
      await this.finish();
    }
  }

  /**
   * Stops without a snapshot. Packs already written get an index file, so the next backup
   * reuses them; the lock is released.
   */
  async abort(): Promise<void> {
    if (this.done) return;
    try {
      this.failure ??= new Error('aborted');
      while (this.inflight.size) await Promise.allSettled([...this.inflight]);
      while (this.writes.size) await Promise.allSettled([...this.writes]);
      await this.writeIndex().catch(() => {});
    } finally {
      await this.finish();
    }
  }

  private async finish(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.pool.close();
    await this.lockHeld.release();
  }
}

