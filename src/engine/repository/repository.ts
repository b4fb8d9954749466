// A repository opened with a password: its config, its master key, its index, its locks, and
// reading and writing of its sealed files and blobs. Writing snapshots is SnapshotWriter's job
// (writer.ts); check, restore, forget and prune live in their own files and use this class.
import os from 'node:os';
import { fileName, type Backend, type FileType } from './backend/backend.ts';
import { newConfig, gearTable, type RepoConfig } from './config.ts';
import { open, openInPlace, randomKey, seal, sha256, sha256Hex, type Key } from './crypto.ts';
import { packUnpacked, unpackUnpacked, zstdDecompress } from './compression.ts';
import {
  IntegrityError,
  NotFoundError,
  RepositoryError,
  RepositoryExistsError,
  RepositoryNotFoundError,
  WrongPasswordError,
} from './errors.ts';
import { makeKeyFile, openKeyFile } from './keys.ts';
import { conflicts, isStale, lockedError, newLock, REFRESH_EVERY_MS, type LockJson } from './lock.ts';
import { MasterIndex, type IndexFileJson } from './master-index.ts';
import type { BlobType } from './pack.ts';
import { sortSnapshots, type Snapshot, type SnapshotInfo } from './snapshot.ts';
import { decodeTree, type Tree } from './tree.ts';
import { mention } from '../mentions.ts';

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const run = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
  return out;
}

/** A lock this process holds; release it when done (it is refreshed until then). */
export interface HeldLock {
  readonly id: string;
  release(): Promise<void>;
}

export class Repository {
  index = new MasterIndex();
  private indexLoaded = false;
  private indexLoading?: Promise<MasterIndex>;
  /** Index files the in-memory index was built from. */
  readonly indexFiles = new Set<string>();
  /**
   * Damage met on the way, by file: index and snapshot files that did not load. They are named
   * (callers print these) and skipped, so the rest of the repository keeps working.
   */
  readonly unreadable = new Map<string, string>();
  readonly gear: Uint32Array;

  private constructor(
    readonly backend: Backend,
    readonly key: Key,
    readonly config: RepoConfig,
  ) {
    this.gear = gearTable(config);
  }

  /** Creates a new repository (version 2) at an empty location, with one key for `password`. */
  static async init(backend: Backend, password: string): Promise<Repository> {
    if (await backend.exists('config')) throw new RepositoryExistsError(`a repository already exists at ${backend.location}`);
    await backend.create();
    const key = randomKey();
    const config = newConfig();
    const kf = makeKeyFile(key, password);
    await backend.write(fileName('keys', kf.id), kf.bytes);
    await backend.write('config', seal(key, Buffer.from(JSON.stringify(config))));
    return new Repository(backend, key, config);
  }

  /** Opens a repository; WrongPasswordError when no key file opens with `password`. */
  static async open(backend: Backend, password: string): Promise<Repository> {
    if (!(await backend.exists('config'))) throw new RepositoryNotFoundError(backend.location);
    const keys = (await backend.list('keys')).slice(0, 20);
    let key: Key | undefined;
    for (const k of keys) {
      key = openKeyFile(await backend.read(fileName('keys', k.id)), password);
      if (key) break;
    }
    if (!key) throw new WrongPasswordError(`wrong password for the repository at ${backend.location}: check ${mention('repositoryPassword')}`);
    let config: RepoConfig;
    try {
      config = JSON.parse(unpackUnpacked(open(key, await backend.read('config'), 'config')).toString('utf8')) as RepoConfig;
    } catch (e) {
      throw new IntegrityError(`config of ${backend.location} cannot be read: ${(e as Error).message}`);
    }
    if (config.version !== 1 && config.version !== 2) {
      throw new RepositoryError(`repository version ${config.version} at ${backend.location} is not supported (lifeboat reads versions 1 and 2)`);
    }
    return new Repository(backend, key, config);
  }

  /** Adds a key file so `password` opens the repository too. */
  async addKey(password: string): Promise<string> {
    const kf = makeKeyFile(this.key, password);
    await this.backend.write(fileName('keys', kf.id), kf.bytes);
    return kf.id;
  }

  // ---- unpacked files (index, snapshots, locks) ----

  /** Seals (and in version 2 compresses) a JSON file and stores it; returns its id. */
  async saveUnpacked(type: FileType, json: Uint8Array): Promise<string> {
    const plain = this.config.version >= 2 ? packUnpacked(json) : Buffer.from(json);
    const sealed = seal(this.key, plain);
    const id = sha256Hex(sealed);
    await this.backend.write(fileName(type, id), sealed);
    return id;
  }

  async loadUnpacked(type: FileType, id: string): Promise<Buffer> {
    const sealed = await this.backend.read(fileName(type, id));
    if (sha256Hex(sealed) !== id) throw new IntegrityError(`${type}/${id}: content does not match its name (damaged file)`);
    return unpackUnpacked(open(this.key, sealed, `${type}/${id.slice(0, 8)}`));
  }

  async loadJson<T>(type: FileType, id: string): Promise<T> {
    return JSON.parse((await this.loadUnpacked(type, id)).toString('utf8')) as T;
  }

  // ---- index ----

  /** Loads every index file (once, however many callers ask at the same time). */
  async loadIndex(): Promise<MasterIndex> {
    if (this.indexLoaded) return this.index;
    this.indexLoading ??= (async () => {
      try {
        await this.loadIndexFiles(await this.backend.list('index'));
        this.indexLoaded = true;
        return this.index;
      } finally {
        this.indexLoading = undefined;
      }
    })();
    return this.indexLoading;
  }

  /**
   * Brings a loaded index up to date with the repository (a repository kept open across commands
   * of a session): index files written since are added; when one it was built from is gone (a
   * prune elsewhere repacked its blobs), it is built again from what is there now.
   */
  async refreshIndex(): Promise<void> {
    if (!this.indexLoaded) return;
    const files = await this.backend.list('index');
    const now = new Set(files.map((f) => f.id));
    if ([...this.indexFiles].some((id) => !now.has(id))) {
      this.index = new MasterIndex();
      this.indexFiles.clear();
      await this.loadIndexFiles(files);
      return;
    }
    await this.loadIndexFiles(files.filter((f) => !this.indexFiles.has(f.id)));
  }

  private async loadIndexFiles(files: { id: string }[]): Promise<void> {
    // Two at a time: one file decodes while the next is read; each parsed file is ~8 MiB of JSON objects.
    await mapLimit(files, 2, async (f) => {
      let json: IndexFileJson;
      try {
        json = await this.loadJson<IndexFileJson>('index', f.id);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // superseded and removed meanwhile (prune)
        this.unreadable.set(`index/${f.id}`, `${(e as Error).message.replace(/^index\/[0-9a-f]+: /, '')}: skipped (${mention('repoRebuildIndex')} indexes its packs again)`);
        return;
      }
      try {
        this.index.addIndexJson(json);
      } catch (e) {
        this.unreadable.set(`index/${f.id}`, `${(e as Error).message}: skipped (${mention('repoRebuildIndex')} indexes its packs again)`);
        return;
      }
      this.indexFiles.add(f.id);
    });
  }

  // ---- blobs ----

  /** Reads, authenticates, decompresses and hash-checks one blob. */
  async readBlob(id: string | Buffer, type?: BlobType): Promise<Buffer> {
    await this.loadIndex();
    const hex = typeof id === 'string' ? id : id.toString('hex');
    const e = this.index.lookup(hex);
    if (!e || (type && e.type !== type)) throw new NotFoundError(`${type ?? 'blob'} ${hex} is not in the index: run ${mention('repoCheck')}`);
    const sealed = await this.backend.read(fileName('data', e.packId), e.offset, e.length);
    return this.decodeBlob(hex, sealed, e.uncompressedLength, true);
  }

  /** Opens a sealed blob and checks it against its id; `own`: decrypt in place (one buffer less). */
  decodeBlob(hex: string, sealed: Uint8Array, uncompressedLength: number, own = false): Buffer {
    const plain = own ? openInPlace(this.key, Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength), `blob ${hex}`) : open(this.key, sealed, `blob ${hex}`);
    const data = uncompressedLength ? zstdDecompress(plain, uncompressedLength) : plain;
    if (sha256(data).toString('hex') !== hex) throw new IntegrityError(`blob ${hex}: content does not match its id`);
    return data;
  }

  async loadTree(id: string): Promise<Tree> {
    return decodeTree(await this.readBlob(id, 'tree'));
  }

  // ---- snapshots ----

  /**
   * Every snapshot, newest first. A snapshot file that does not load is named in `unreadable` and
   * left out, as restic does; with `strict` (prune: its data would look unused) it stops instead.
   */
  async listSnapshots(opts: { strict?: boolean } = {}): Promise<SnapshotInfo[]> {
    const files = await this.backend.list('snapshots');
    const list = await mapLimit(files, 8, async (f): Promise<SnapshotInfo | undefined> => {
      try {
        const s = await this.loadJson<Snapshot>('snapshots', f.id);
        if (!s || typeof s.tree !== 'string' || typeof s.time !== 'string' || !Array.isArray(s.paths)) throw new IntegrityError('not a snapshot (no tree, time or paths)');
        return { ...s, id: f.id };
      } catch (e) {
        const why = (e as Error).message.replace(/^snapshots\/[0-9a-f]+: /, '');
        if (opts.strict) throw new IntegrityError(`snapshot ${f.id} cannot be read (${why}): restore it from a copy, or remove snapshots/${f.id} to give up what it holds`);
        this.unreadable.set(`snapshots/${f.id}`, `${why}: skipped`);
        return undefined;
      }
    });
    return sortSnapshots(list.filter((s): s is SnapshotInfo => s !== undefined));
  }

  /** A snapshot by full id, unique id prefix, or `latest`. */
  async findSnapshot(ref: string): Promise<SnapshotInfo> {
    if (ref === 'latest') {
      const [s] = await this.listSnapshots();
      if (!s) throw new NotFoundError(`the repository at ${this.backend.location} has no snapshots yet`);
      return s;
    }
    const ids = (await this.backend.list('snapshots')).map((f) => f.id).filter((id) => id.startsWith(ref));
    if (ids.length === 0 || !/^[0-9a-f]+$/.test(ref)) throw new NotFoundError(`no snapshot ${ref}: see ${mention('snapshots')}`);
    if (ids.length > 1) throw new NotFoundError(`snapshot prefix ${ref} is ambiguous (${ids.length} snapshots): give more digits`);
    return { ...(await this.loadJson<Snapshot>('snapshots', ids[0]!)), id: ids[0]! };
  }

  // ---- locks ----

  private async otherLocks(ownId?: string): Promise<{ id: string; lock: LockJson }[]> {
    const out: { id: string; lock: LockJson }[] = [];
    for (const f of await this.backend.list('locks')) {
      if (f.id === ownId) continue;
      try {
        out.push({ id: f.id, lock: await this.loadJson<LockJson>('locks', f.id) });
      } catch {
        // removed meanwhile, or unreadable: restic ignores those too once they go away
      }
    }
    return out;
  }

  /**
   * Takes a lock: shared for backups and reads, exclusive for forget and prune. Stale locks
   * (restic's rules: older than 30 minutes, or from a dead process on this host) never block,
   * and are removed, as `restic unlock` would.
   */
  async lock(exclusive: boolean): Promise<HeldLock> {
    const check = async (ownId?: string) => {
      for (const { id, lock } of await this.otherLocks(ownId)) {
        if (isStale(lock)) {
          // What `restic unlock` removes: restic 0.14 itself stops at stale locks otherwise.
          await this.backend.remove(fileName('locks', id));
          continue;
        }
        if (conflicts(exclusive, lock)) return lockedError(lock, id);
      }
      return undefined;
    };
    const before = await check();
    if (before) throw before;
    let id = await this.saveUnpacked('locks', Buffer.from(JSON.stringify(newLock(exclusive))));
    const after = await check(id);
    if (after) {
      await this.backend.remove(fileName('locks', id));
      throw after;
    }
    const timer = setInterval(() => {
      void (async () => {
        const old = id;
        id = await this.saveUnpacked('locks', Buffer.from(JSON.stringify(newLock(exclusive))));
        await this.backend.remove(fileName('locks', old));
      })().catch(() => {});
    }, REFRESH_EVERY_MS);
    timer.unref();
    const backend = this.backend;
    return {
      get id() {
        return id;
      },
      async release() {
        clearInterval(timer);
        await backend.remove(fileName('locks', id));
      },
    };
  }

  /** Runs `fn` under a lock, releasing it afterwards whatever happens. */
  async withLock<T>(exclusive: boolean, fn: () => Promise<T>): Promise<T> {
    const l = await this.lock(exclusive);
    try {
      return await fn();
    } finally {
      await l.release();
    }
  }

  async close(): Promise<void> {
    await this.backend.close();
  }
}

export function currentUser(): { username: string; uid: number; gid: number } {
  const u = os.userInfo();
  return { username: u.username, uid: u.uid, gid: u.gid };
}
