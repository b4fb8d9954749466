import { AsyncLocalStorage } from 'node:async_hooks';
// SnapshotWriter, restic's archiver: walks what is added (folders on disk, streams, bytes), builds
// the snapshot's trees bottom-up and writes the snapshot file last, so a backup that stops
// half-way never looks finished. The file saver cuts content into chunks, the blob saver stores
// each new blob once (workers compress and seal, the pack uploader fills and writes packs, the
// index writer names them), and recovery indexes the packs an interrupted backup left behind.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BlobSaver } from './blob-saver.ts';
import { DEFAULT_LEVEL } from './compression.ts';
import { nodeFromStat } from './disk.ts';
import { Chunker } from './chunker.ts';
import { chunkStream } from './file-saver.ts';
import { recoverUnindexedPacks } from './recovery.ts';
import { currentUser, type HeldLock, type Repository } from './repository.ts';
import { encodeSnapshot, type Snapshot } from './snapshot.ts';
import { encodeTree, formatTime, GO_MODE, type Node } from './tree.ts';

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
  /**
   * Target pack size in bytes (default 4 MiB, restic's before 0.14, which writes 16 MiB): every
   * thread that stores content fills a pack buffer of its own, and those are most of a backup's
   * memory.
   */
  packSize?: number;
  /** Packs per index file written while the backup runs (default 32). */
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

/** A result to come, held in an object so that awaiting the walk does not await it. */
interface Later<T> {
  value: Promise<T>;
}

/** A Later whose failure is seen when it is awaited, and never reported as unhandled before. */
function settled<T>(value: Promise<T>): Later<T> {
  value.catch(() => {});
  return { value };
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

export class SnapshotWriter {
  private blobs: BlobSaver;
  /** Chunkers for streams not in use: each stream being added takes one, so adds can run at once. */
  private spareChunkers: Chunker[] = [];
  /** The parent snapshot's root tree, and its folders' entries by snapshot path, as read. */
  private parentRoot?: string;
  private parentDirs = new Map<string, Promise<Map<string, Node> | undefined>>();
  private root: VDir = { children: new Map() };
  private addedPaths: string[] = [];
  private done = false;
  private progress: Progress = { bytesDone: 0, itemsDone: 0, bytesNew: 0, bytesWritten: 0 };
  private lastReport = 0;

  private constructor(
    readonly repo: Repository,
    private lockHeld: HeldLock,
    private opts: WriterOptions,
  ) {
    const level = repo.config.version < 2 ? 0 : (opts.compressionLevel ?? DEFAULT_LEVEL);
    this.blobs = new BlobSaver(repo, { level, workers: opts.workers, packSize: opts.packSize ?? 4 * 1024 * 1024, packsPerIndex: opts.packsPerIndex ?? 32 });
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
      for (const pack of await recoverUnindexedPacks(repo, held.id)) {
        w.blobs.known(pack);
        await w.blobs.index.add(pack);
      }
      await w.blobs.index.flush();
      if (opts.parent) w.parentRoot = await repo.findSnapshot(opts.parent).then((s) => s.tree, () => undefined);
      return w;
    } catch (e) {
      await held.release();
      throw e;
    }
  }

  get stats(): Readonly<Progress> {
    this.progress.bytesNew = this.blobs.bytesNew;
    this.progress.bytesWritten = this.blobs.bytesWritten;
    return this.progress;
  }

  private report(force = false): void {
    if (!this.opts.onProgress) return;
    const now = Date.now();
    if (!force && now - this.lastReport < 100) return;
    this.lastReport = now;
    this.opts.onProgress({ ...this.stats });
  }

  private checkState(): void {
    if (this.blobs.failure) throw this.blobs.failure;
    if (this.done) throw new Error('snapshot writer is already committed or aborted');
    this.opts.signal?.throwIfAborted();
  }

  // ---- the pipeline ----

  private addChunk(chunk: Buffer): Promise<string> {
    this.progress.bytesDone += chunk.length;
    const own = callTally.getStore();
    if (own) own.bytes += chunk.length;
    return this.blobs.saveData(chunk);
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

  private storeTree(nodes: Node[]): Promise<string> {
    return this.blobs.saveTree(encodeTree(nodes));
  }

  /** Counts an item for the add it belongs to, and tells that add's listener. */
  private countItem(own = callTally.getStore()): void {
    if (!own) return;
    own.items++;
    const now = Date.now();
    if (now - own.last >= 100) {
      own.last = now;
      own.onProgress?.({ bytes: own.bytes, items: own.items });
    }
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
      prev.content.every((id) => this.blobs.has(id))
    );
  }

  /**
   * Walks a directory on disk, queueing its files (workers read them) and its subdirectories;
   * resolves once everything is queued, with the tree id to come once all of it is stored. The
   * walk goes on while workers read, so both cores stay busy; the queue bounds what is in flight.
   */
  private async walkDiskDir(dir: string, snapPath: string, prevTree?: string): Promise<Later<string>> {
    this.checkState();
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') names = [];
      else throw e;
    }
    const prev = await this.treeEntries(prevTree);
    const later: Promise<Node | undefined>[] = [];
    for (const name of names) {
      later.push((await this.walkDiskNode(path.join(dir, name), name, snapPath === '/' ? `/${name}` : `${snapPath}/${name}`, prev?.get(name))).value);
    }
    return settled(Promise.all(later).then((nodes) => this.storeTree(nodes.filter((n): n is Node => n !== undefined))));
  }

  /** One entry from disk (undefined when it vanished while we looked), once it is stored. */
  private async diskNode(abs: string, name: string, snapPath: string, prev?: Node): Promise<Node | undefined> {
    return (await this.walkDiskNode(abs, name, snapPath, prev)).value;
  }

  /** Queues one entry from disk; resolves once queued, with the node to come once stored. */
  private async walkDiskNode(abs: string, name: string, snapPath: string, prev?: Node): Promise<Later<Node | undefined>> {
    let st: fs.BigIntStats;
    try {
      st = fs.lstatSync(abs, { bigint: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { value: Promise.resolve(undefined) };
      throw e;
    }
    const node = nodeFromStat(name, st);
    const own = callTally.getStore();
    this.progress.path = snapPath;
    const done = (): Node => {
      this.progress.itemsDone++;
      this.countItem(own);
      this.report();
      return node;
    };
    if (node.type === 'dir') {
      const sub = await this.walkDiskDir(abs, snapPath, prev?.type === 'dir' ? (prev.subtree ?? undefined) : undefined);
      return settled(sub.value.then((id) => {
        node.subtree = id;
        return done();
      }));
    }
    if (node.type === 'file' && this.unchanged(node, prev)) {
      node.content = prev.content;
      const size = node.size ?? 0;
      this.progress.bytesDone += size;
      this.progress.filesUnchanged = (this.progress.filesUnchanged ?? 0) + 1;
      if (own) own.bytes += size;
    } else if (node.type === 'file') {
      this.checkState();
      const file = await this.blobs.saveFile(abs, Number(st.size));
      return settled(file.content.then(({ content, size }) => {
        node.content = content;
        node.size = size || undefined;
        this.progress.bytesDone += size;
        if (own) own.bytes += size;
        return done();
      }));
    } else if (node.type === 'symlink') {
      node.linktarget = fs.readlinkSync(abs);
    }
    return { value: Promise.resolve(done()) };
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
    const chunker = this.spareChunkers.pop() ?? new Chunker(this.repo.gear);
    let got: { content: string[]; size: number };
    try {
      got = await chunkStream(source, chunker, (c) => this.addChunk(c), () => this.checkState(), () => this.report());
    } finally {
      chunker.reset();
      if (this.spareChunkers.length < 2) this.spareChunkers.push(chunker); // 12 MiB each
    }
    const { content, size } = got;
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
    if (!prev.content.every((id) => this.blobs.has(id))) return false;
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
      await this.blobs.finish();
      await this.blobs.index.flush();
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
      await this.blobs.settle();
      await this.blobs.index.flush().catch(() => {});
    } finally {
      await this.finish();
    }
  }

  private async finish(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.blobs.close();
    await this.lockHeld.release();
  }
}

