// Restoring a snapshot (or one path of it) into a target folder. Nothing is written outside the
// target: node names must be plain names (no "..", no "/"), existing symlinks are never followed
// (files are created exclusively after removing what was there; a directory path that is not a
// real directory is refused), and symlinks whose target leaves the target folder are refused
// (unless `keepLinks`: then they are made as the links they are, and still never followed).
// Every blob is checked against its id as it is read (and with `verify`, each file written is
// read back and its SHA-256 compared with that of the checked bytes).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
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
  /**
   * Make every symlink as the link it is, whatever it points at (volume data often holds absolute
   * links). A link is never followed while writing: paths are checked with lstat and files are
   * opened O_NOFOLLOW after removing what was there, so nothing is written outside the target.
   */
  keepLinks?: boolean;
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

function safeName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0');
}

function inside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

const isRoot = process.getuid?.() === 0;

/**
 * Seconds for utimes. Node passes a double, which holds about a quarter of a microsecond at
 * today's times: round to the microsecond and aim at its middle so the kernel gets that µs.
 */
function seconds(t: string | undefined): number | undefined {
  if (!t) return undefined;
  const us = parseTime(t) / 1000n;
  return Number(us) / 1e6 + 5e-7;
}

class Restorer {
  result: RestoreResult = { files: 0, dirs: 0, symlinks: 0, bytes: 0, errors: [] };
  private dirMeta: { p: string; node: Node }[] = [];

  constructor(
    private repo: Repository,
    private root: string,
    private opts: RestoreOptions,
  ) {}

  private refuse(where: string, why: string): void {
    this.result.errors.push(`${where}: ${why}`);
  }

  /** Makes sure `p` (inside the target) is a real directory, creating it if needed. */
  ensureDir(p: string): boolean {
    try {
      const st = fs.lstatSync(p);
      if (st.isDirectory()) return true;
      this.refuse(p, 'exists and is not a directory (a symlink is never followed): refused');
      return false;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    fs.mkdirSync(p, { mode: 0o700 });
    return true;
  }

  private setMeta(p: string, node: Node, link = false): void {
    try {
      if (isRoot) fs.lchownSync(p, node.uid, node.gid);
      if (!link && node.mode !== undefined) fs.chmodSync(p, unixPermFromGo(node.mode));
      const m = seconds(node.mtime);
      const a = seconds(node.atime) ?? m;
      if (m !== undefined) (link ? fs.lutimesSync : fs.utimesSync)(p, a!, m);
    } catch (e) {
      this.result.errors.push(`${p}: metadata not restored: ${(e as Error).message}`);
    }
  }

  async node(dir: string, node: Node, snapPath: string): Promise<void> {
    this.opts.signal?.throwIfAborted();
    if (!safeName(node.name)) {
      this.refuse(`${snapPath}`, `unsafe name ${JSON.stringify(node.name)} refused`);
      return;
    }
    const p = path.join(dir, node.name);
    if (!inside(this.root, p)) {
      this.refuse(snapPath, 'would be written outside the target: refused');
      return;
    }
    switch (node.type) {
      case 'dir':
        if (!this.ensureDir(p)) return;
        if (node.subtree) {
          const tree = await this.repo.loadTree(node.subtree);
          for (const child of tree.nodes) await this.node(p, child, `${snapPath}/${child.name}`);
        }
        this.dirMeta.push({ p, node });
        this.result.dirs++;
        break;
      case 'file':
        await this.file(p, node);
        break;
      case 'symlink': {
        const target = node.linktarget ?? '';
        if (!this.opts.keepLinks && (path.isAbsolute(target) || !inside(this.root, path.resolve(dir, target)))) {
          this.refuse(snapPath, `symlink to ${target} leaves the target folder: refused`);
          return;
        }
        this.removeExisting(p);
        fs.symlinkSync(target, p);
        this.setMeta(p, node, true);
        this.result.symlinks++;
        break;
      }
      default:
        this.refuse(snapPath, `${node.type} nodes are not restored`);
        return;
    }
    this.opts.onProgress?.({ bytesDone: this.result.bytes, itemsDone: this.result.files + this.result.dirs + this.result.symlinks, path: snapPath });
  }

  private removeExisting(p: string): void {
    try {
      const st = fs.lstatSync(p);
      if (st.isDirectory()) fs.rmSync(p, { recursive: true });
      else fs.unlinkSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }

  private async file(p: string, node: Node): Promise<void> {
    this.removeExisting(p);
    const fd = fs.openSync(p, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
    const hash = this.opts.verify ? createHash('sha256') : undefined;
    let ok = true;
    try {
      for await (const blob of readFile(this.repo, node)) {
        this.opts.signal?.throwIfAborted();
        hash?.update(blob);
        let off = 0;
        while (off < blob.length) off += fs.writeSync(fd, blob, off, blob.length - off);
        this.result.bytes += blob.length;
      }
    } catch (e) {
      ok = false;
      this.result.errors.push(`${p}: ${(e as Error).message}`);
    } finally {
      fs.closeSync(fd);
    }
    if (hash && ok) await this.verifyFile(p, hash.digest('hex'));
    this.setMeta(p, node);
    this.result.files++;
  }

  private async verifyFile(p: string, expected: string): Promise<void> {
    const h = createHash('sha256');
    const fd = fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    for await (const c of fs.createReadStream('', { fd })) h.update(c as Buffer);
    if (h.digest('hex') === expected) this.result.verified = (this.result.verified ?? 0) + 1;
    else this.result.errors.push(`${p}: read back, its content differs from the snapshot's (SHA-256 mismatch)`);
  }

  finishDirs(): void {
    // Deepest first, so setting a directory's times comes after everything written inside it.
    for (const { p, node } of this.dirMeta.reverse()) this.setMeta(p, node);
  }
}

/** Restores `snap` (or `opts.include` of it) into `target`, which is created if missing. */
export async function restoreSnapshot(repo: Repository, snap: SnapshotInfo, target: string, opts: RestoreOptions = {}): Promise<RestoreResult> {
  await repo.loadIndex();
  fs.mkdirSync(target, { recursive: true });
  const root = fs.realpathSync(target);
  const r = new Restorer(repo, root, opts);
  if (!opts.include || snapshotPathParts(opts.include).length === 0) {
    const tree = await repo.loadTree(snap.tree);
    for (const n of tree.nodes) await r.node(root, n, `/${n.name}`);
  } else {
    const { node, parents } = await findPath(repo, snap, opts.include);
    if (opts.stripInclude && node.type === 'dir') {
      if (node.subtree) {
        const tree = await repo.loadTree(node.subtree);
        for (const child of tree.nodes) await r.node(root, child, `${opts.include.replace(/\/+$/, '')}/${child.name}`);
      }
      r.finishDirs();
      return r.result;
    }
    let dir = root;
    let snapPath = '';
    for (const parent of parents) {
      if (!safeName(parent.name)) throw new UnsafePathError(`unsafe name ${JSON.stringify(parent.name)} in ${opts.include}: refused`);
      dir = path.join(dir, parent.name);
      snapPath += `/${parent.name}`;
      if (!r.ensureDir(dir)) return r.result;
    }
    await r.node(dir, node, `${snapPath}/${node.name}`);
  }
  r.finishDirs();
  return r.result;
}
