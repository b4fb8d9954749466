// Restore containment: the one place that turns names taken from a snapshot into paths on disk.
// A snapshot is data from elsewhere (another cluster, another team, whoever could write to the
// bucket), so every restore path (files, volumes, Prometheus files, etcd data dirs) resolves what
// it writes through `Containment`: each name is one plain component (no "..", "/", NUL, empty),
// and every folder on the way from the target down is checked with lstat to be a real folder, so
// no link, whether the target held it before or the restore made it, is ever followed. Node has
// no openat(2): what this cannot stop is another process swapping a folder for a link between the
// check and the write; a snapshot cannot do that, and the target is the user's own folder.
import fs from 'node:fs';
import path from 'node:path';
import { UnsafePathError } from './errors.ts';

/** Why `name` cannot be a file name under a restore target, or undefined when it can. */
export function unsafeNameReason(name: unknown): string | undefined {
  if (typeof name !== 'string') return 'a name that is not a string';
  if (name === '') return 'an empty name';
  if (name === '.' || name === '..') return `the name ${JSON.stringify(name)}`;
  if (name.includes('/')) return `a name with a slash (${JSON.stringify(name)})`;
  if (name.includes('\0')) return `a name with a NUL byte (${JSON.stringify(name)})`;
  return undefined;
}

/** Names that appear more than once among `names` (a tree may hold each name once). */
export function duplicateNames(names: string[]): Set<string> {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const n of names) (seen.has(n) ? dup : seen).add(n);
  return dup;
}

const O_DIR_NOFOLLOW = fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW;

export class Containment {
  /** The target, with its own links resolved once (the user chose it): everything goes below. */
  readonly root: string;
  /** Folders checked (or made) in this restore, relative to the root. */
  private known = new Set<string>(['']);

  constructor(target: string, opts: { create?: boolean } = {}) {
    if (opts.create !== false) fs.mkdirSync(target, { recursive: true });
    this.root = fs.realpathSync(target);
  }

  /** Checks every name; throws UnsafePathError naming the first bad one. */
  static checkParts(parts: string[], where = parts.join('/')): void {
    for (const p of parts) {
      const why = unsafeNameReason(p);
      if (why) throw new UnsafePathError(`${where}: ${why} is refused (it could lead outside the restore target)`);
    }
  }

  /** The absolute path of `parts` under the root, with the names checked (nothing on disk is). */
  join(parts: string[]): string {
    Containment.checkParts(parts);
    return parts.length ? path.join(this.root, ...parts) : this.root;
  }

  /**
   * The folder at `parts` under the root, every component checked with lstat to be a real folder
   * (never a link); missing ones are made (mode 0700, their own modes come later) when `create`.
   * Throws UnsafePathError when a component is a link or not a folder.
   */
  dir(parts: string[], create = true): string {
    Containment.checkParts(parts);
    let rel = '';
    for (const part of parts) {
      rel = rel ? `${rel}/${part}` : part;
      if (this.known.has(rel)) continue;
      const abs = path.join(this.root, rel);
      let st: fs.Stats | undefined;
      try {
        st = fs.lstatSync(abs);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      if (!st) {
        if (!create) throw new UnsafePathError(`${abs} does not exist`);
        fs.mkdirSync(abs, { mode: 0o700 });
      } else if (st.isSymbolicLink()) {
        throw new UnsafePathError(`${abs} is a symlink: a link is never followed, so nothing is written through it`);
      } else if (!st.isDirectory()) {
        throw new UnsafePathError(`${abs} exists and is not a directory`);
      }
      this.known.add(rel);
    }
    return parts.length ? path.join(this.root, ...parts) : this.root;
  }

  /**
   * A fresh place for entry `name` in the folder `parts`: the folder checked as `dir` does, then
   * whatever is at the name removed (a link is unlinked, never followed; a folder is removed only
   * with `replaceDir`). Returns the absolute path, which is then free.
   */
  freeEntry(parts: string[], name: string, opts: { replaceDir?: boolean } = {}): string {
    const dir = this.dir(parts);
    Containment.checkParts([name], [...parts, name].join('/'));
    const abs = path.join(dir, name);
    let st: fs.Stats | undefined;
    try {
      st = fs.lstatSync(abs);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (st?.isDirectory()) {
      if (!opts.replaceDir) throw new UnsafePathError(`${abs} is a directory: it is not replaced`);
      // rm never follows the links inside: it unlinks them.
      fs.rmSync(abs, { recursive: true });
      this.forget([...parts, name].join('/'));
    } else if (st) fs.unlinkSync(abs);
    return abs;
  }

  private forget(rel: string): void {
    for (const k of this.known) if (k === rel || k.startsWith(`${rel}/`)) this.known.delete(k);
  }

  /** Creates a new file at `parts/name` (O_EXCL | O_NOFOLLOW, after freeEntry); returns its fd. */
  createFile(parts: string[], name: string, mode = 0o600): { fd: number; path: string } {
    const abs = this.freeEntry(parts, name, { replaceDir: true });
    const fd = fs.openSync(abs, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, mode);
    return { fd, path: abs };
  }

  /** Opens the folder at `parts` (every component re-checked, the last opened O_NOFOLLOW). */
  openDir(parts: string[]): number {
    for (let i = 0; i < parts.length; i++) this.known.delete(parts.slice(0, i + 1).join('/'));
    const abs = this.dir(parts, false);
    return fs.openSync(abs, O_DIR_NOFOLLOW);
  }
}

/**
 * Resolves `parts` (names from a snapshot) under `target` as one folder, made if missing, with no
 * link followed on the way: the entry point for restore paths outside the file restorer.
 */
export function containedDir(target: string, parts: string[]): string {
  return new Containment(target).dir(parts);
}
