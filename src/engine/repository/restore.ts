// Restoring a snapshot (or one path of it) into a target folder, as restic restores: links are
// made as the links they are and never followed. Nothing is written outside the target: every
// path goes through Containment (contain.ts), which takes each name as one plain component and
// checks every folder on the way with lstat; files are created O_EXCL | O_NOFOLLOW after what
// was there is removed; modes, owners and times are set on file descriptors (links: the no-follow
// calls); links are made after every file and folder, and a link never replaces a folder.
// Every blob is checked against its id as it is read (with `verify`, each file written is read
// back and its SHA-256 compared). A file that cannot be restored whole is removed and reported.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { Containment, duplicateNames, unsafeNameReason } from './contain.ts';
import { UnsafePathError } from './errors.ts';
import { findPath, readFile } from './reader.ts';
import type { Repository } from './repository.ts';
import type { SnapshotInfo } from './snapshot.ts';
import { snapshotPathParts } from './writer.ts';
import { parseTime, unixPermFromGo, type Node } from './tree.ts';

export interface RestoreOptions {
  /** Restore only this path of the snapshot (with its parent directories). */
  include?: string;
  /** With `include` naming a folder: restore what is inside it straight into `target`. */
  stripInclude?: boolean;
  /** Read each restored file back and compare its SHA-256 with that of the bytes restored. */
  verify?: boolean;
  onProgress?: (p: { bytesDone: number; itemsDone: number; path: string }) => void;
  signal?: AbortSignal;
}

export interface RestoreResult {
  files: number;
  dirs: number;
  symlinks: number;
  bytes: number;
  /** Files read back and found identical (with `verify`). */
  verified?: number;
  /** Entries not restored, one line each (refused as unsafe, or failed). */
  errors: string[];
}

const isRoot = process.getuid?.() === 0;

/**
 * Seconds for utimes. Node passes a double, which holds about a quarter of a microsecond at
 * today's times: round to the microsecond and aim at its middle so the kernel gets that µs.
 */
function seconds(t: string | undefined): number | undefined {
  if (!t) return undefined;
  try {
    const us = parseTime(t) / 1000n;
    return Number(us) / 1e6 + 5e-7;
  } catch {
    return undefined;
  }
}

function times(node: Node): [number, number] | undefined {
  const m = seconds(node.mtime);
  if (m === undefined) return undefined;
  return [seconds(node.atime) ?? m, m];
}

/** Owner, then mode (chown clears set-id bits), then times: all on the open descriptor. */
function metaOnFd(fd: number, node: Node): void {
  if (isRoot) fs.fchownSync(fd, node.uid, node.gid);
  if (node.mode !== undefined) fs.fchmodSync(fd, unixPermFromGo(node.mode));
  const t = times(node);
  if (t) fs.futimesSync(fd, t[0], t[1]);
}

interface Pending {
  parts: string[];
  node: Node;
  snapPath: string;
}

class Restorer {
  result: RestoreResult = { files: 0, dirs: 0, symlinks: 0, bytes: 0, errors: [] };
  private dirs: Pending[] = [];
  private links: Pending[] = [];
  readonly box: Containment;

  constructor(
    private repo: Repository,
    target: string,
    private opts: RestoreOptions,
  ) {
    this.box = new Containment(target);
  }

  private fail(where: string, why: string): void {
    this.result.errors.push(`${where}: ${why}`);
  }

  private progress(snapPath: string): void {
    this.opts.onProgress?.({ bytesDone: this.result.bytes, itemsDone: this.result.files + this.result.dirs + this.result.symlinks, path: snapPath });
  }

  /** The nodes of a tree, less those whose names are unsafe or appear twice (each reported). */
  async children(treeId: string, snapDir: string): Promise<Node[]> {
    let nodes: Node[];
    try {
      nodes = (await this.repo.loadTree(treeId)).nodes;
    } catch (e) {
      if (this.opts.signal?.aborted) throw e;
      this.fail(snapDir || '/', `its tree cannot be read: ${(e as Error).message}`);
      return [];
    }
    const dup = duplicateNames(nodes.map((n) => n.name));
    return nodes.filter((n) => {
      const at = `${snapDir}/${typeof n.name === 'string' ? n.name : '?'}`;
      const why = unsafeNameReason(n.name);
      if (why) this.fail(at, `${why} in the snapshot: refused`);
      else if (dup.has(n.name)) this.fail(at, 'the name appears more than once in its folder in the snapshot: refused');
      return !why && !dup.has(n.name);
    });
  }

  async node(parts: string[], node: Node, snapPath: string): Promise<void> {
    this.opts.signal?.throwIfAborted();
    try {
      switch (node.type) {
        case 'dir': {
          const here = [...parts, node.name];
          this.box.dir(here);
          this.result.dirs++;
          this.dirs.push({ parts: here, node, snapPath });
          if (node.subtree) for (const child of await this.children(node.subtree, snapPath)) await this.node(here, child, `${snapPath}/${child.name}`);
          break;
        }
        case 'file':
          await this.file(parts, node, snapPath);
          break;
        case 'symlink':
          this.links.push({ parts, node, snapPath });
          break;
        default:
          this.fail(snapPath, `${String(node.type)} nodes are not restored`);
          return;
      }
    } catch (e) {
      if (this.opts.signal?.aborted) throw e;
      if (!(e instanceof UnsafePathError) && !(e as NodeJS.ErrnoException).code) throw e;
      this.fail(snapPath, `${(e as Error).message}: not restored`);
      return;
    }
    this.progress(snapPath);
  }

  private async file(parts: string[], node: Node, snapPath: string): Promise<void> {
    const { fd, path: p } = this.box.createFile(parts, node.name);
    const hash = this.opts.verify ? createHash('sha256') : undefined;
    let bytes = 0;
    let problem: string | undefined;
    try {
      for await (const blob of readFile(this.repo, node)) {
        this.opts.signal?.throwIfAborted();
        hash?.update(blob);
        let off = 0;
        while (off < blob.length) off += fs.writeSync(fd, blob, off, blob.length - off);
        bytes += blob.length;
      }
      if ((node.size ?? 0) !== bytes) problem = `its blobs hold ${bytes} bytes, the snapshot says ${node.size ?? 0}`;
      else metaOnFd(fd, node);
    } catch (e) {
      problem = (e as Error).message;
    } finally {
      fs.closeSync(fd);
    }
    if (this.opts.signal?.aborted) {
      fs.rmSync(p, { force: true });
      this.opts.signal.throwIfAborted();
    }
    if (!problem && hash && !(await this.verifyFile(p, hash.digest('hex')))) problem = 'read back, its content differs from the snapshot (SHA-256 mismatch)';
    this.result.bytes += bytes;
    if (problem) {
      // Never leave it looking restored: a partial file with the original times would pass.
      fs.rmSync(p, { force: true });
      this.fail(snapPath, `not restored whole (${problem}): removed`);
      return;
    }
    this.result.files++;
  }

  private async verifyFile(p: string, expected: string): Promise<boolean> {
    const h = createHash('sha256');
    const fd = fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    for await (const c of fs.createReadStream('', { fd })) h.update(c as Buffer);
    const same = h.digest('hex') === expected;
    if (same) this.result.verified = (this.result.verified ?? 0) + 1;
    return same;
  }

  /** Links last: after every file and folder, so none is ever written through. */
  makeLinks(): void {
    for (const { parts, node, snapPath } of this.links) {
      try {
        const p = this.box.freeEntry(parts, node.name);
        fs.symlinkSync(node.linktarget ?? '', p);
        this.result.symlinks++;
        try {
          if (isRoot) fs.lchownSync(p, node.uid, node.gid);
          const t = times(node);
          if (t) fs.lutimesSync(p, t[0], t[1]);
        } catch (e) {
          this.fail(snapPath, `metadata not restored: ${(e as Error).message}`);
        }
      } catch (e) {
        if (!(e instanceof UnsafePathError) && !(e as NodeJS.ErrnoException).code) throw e;
        this.fail(snapPath, `${(e as Error).message}: link not made`);
      }
      this.progress(snapPath);
    }
  }

  /** Folder metadata, deepest first (after everything inside them), each on its descriptor. */
  finishDirs(): void {
    for (const { parts, node, snapPath } of this.dirs.reverse()) {
      let fd: number | undefined;
      try {
        fd = this.box.openDir(parts);
        metaOnFd(fd, node);
      } catch (e) {
        this.fail(snapPath, `metadata not restored: ${(e as Error).message}`);
      } finally {
        if (fd !== undefined) fs.closeSync(fd);
      }
    }
  }

  finish(): RestoreResult {
    this.makeLinks();
    this.finishDirs();
    return this.result;
  }
}

/** Restores `snap` (or `opts.include` of it) into `target`, which is created if missing. */
export async function restoreSnapshot(repo: Repository, snap: SnapshotInfo, target: string, opts: RestoreOptions = {}): Promise<RestoreResult> {
  await repo.loadIndex();
  const r = new Restorer(repo, target, opts);
  if (!opts.include || snapshotPathParts(opts.include).length === 0) {
    for (const n of await r.children(snap.tree, '')) await r.node([], n, `/${n.name}`);
    return r.finish();
  }
  const { node, parents } = await findPath(repo, snap, opts.include);
  const inc = opts.include.replace(/\/+$/, '');
  if (opts.stripInclude && node.type === 'dir') {
    if (node.subtree) for (const child of await r.children(node.subtree, inc)) await r.node([], child, `${inc}/${child.name}`);
    return r.finish();
  }
  const parts = parents.map((p) => p.name);
  Containment.checkParts([...parts, node.name], opts.include);
  r.box.dir(parts);
  await r.node(parts, node, `/${[...parts, node.name].join('/')}`);
  return r.finish();
}
