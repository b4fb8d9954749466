// A repository in a local folder. Writes go to a temporary file in the same folder, are
// fsynced, then renamed into place: a crash never leaves a half-written file under a real name.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { FILE_TYPES, isId, TEMPORARY_RE, type Backend, type FileInfo, type FileType } from './backend.ts';

export function defaultRepositoryFolder(env: NodeJS.ProcessEnv = process.env): string {
  const data = env.XDG_DATA_HOME || path.join(env.HOME || os.homedir(), '.local', 'share');
  return path.join(data, 'lifeboat', 'repository');
}

export class LocalBackend implements Backend {
  readonly location: string;
  constructor(readonly dir: string) {
    this.location = dir;
  }

  private p(name: string): string {
    return path.join(this.dir, name);
  }

  async create(): Promise<void> {
    await fsp.mkdir(this.dir, { recursive: true, mode: 0o700 });
    for (const t of FILE_TYPES) await fsp.mkdir(this.p(t), { recursive: true, mode: 0o700 });
    for (let i = 0; i < 256; i++) await fsp.mkdir(this.p(`data/${i.toString(16).padStart(2, '0')}`), { recursive: true, mode: 0o700 });
  }

  async exists(name: string): Promise<boolean> {
    try {
      await fsp.stat(this.p(name));
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
  }

  async read(name: string, offset?: number, length?: number): Promise<Buffer> {
    if (offset === undefined) return fsp.readFile(this.p(name));
    const fh = await fsp.open(this.p(name), 'r');
    try {
      let start = offset;
      if (start < 0) start = Math.max(0, (await fh.stat()).size + start);
      const want = length ?? (await fh.stat()).size - start;
      const buf = Buffer.allocUnsafe(want);
      let got = 0;
      while (got < want) {
        const { bytesRead } = await fh.read(buf, got, want - got, start + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return got === want ? buf : buf.subarray(0, got);
    } finally {
      await fh.close();
    }
  }

  async write(name: string, data: Uint8Array): Promise<void> {
    const final = this.p(name);
    await fsp.mkdir(path.dirname(final), { recursive: true, mode: 0o700 });
    const tmp = `${final}-tmp-${crypto.randomBytes(6).toString('hex')}`;
    const fh = await fsp.open(tmp, 'wx', 0o600);
    try {
      let off = 0;
      while (off < data.length) off += (await fh.write(data, off, data.length - off)).bytesWritten;
      await fh.sync();
    } catch (e) {
      await fh.close();
      await fsp.rm(tmp, { force: true });
      throw e;
    }
    await fh.close();
    await fsp.rename(tmp, final);
  }

  async remove(name: string): Promise<void> {
    await fsp.rm(this.p(name), { force: true });
  }

  /** The files of `type` whose names pass `keep`, each as `as(dir, name)` with its size. */
  private async files(type: FileType, keep: (name: string) => boolean, as: (dir: string, name: string) => string): Promise<FileInfo[]> {
    const out: FileInfo[] = [];
    const dirs = type === 'data' ? await this.subdirs(this.p('data')) : [this.p(type)];
    for (const dir of dirs) {
      let names: string[];
      try {
        names = await fsp.readdir(dir);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw e;
      }
      for (const n of names) {
        if (!keep(n)) continue;
        try {
          out.push({ id: as(dir, n), size: fs.statSync(path.join(dir, n)).size });
        } catch {
          // removed while listing
        }
      }
    }
    return out;
  }

  list(type: FileType): Promise<FileInfo[]> {
    return this.files(type, isId, (_, n) => n);
  }

  private async subdirs(dir: string): Promise<string[]> {
    try {
      return (await fsp.readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => path.join(dir, d.name));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  }

  async listTemporary(): Promise<FileInfo[]> {
    const out: FileInfo[] = [];
    for (const type of FILE_TYPES) out.push(...(await this.files(type, (n) => TEMPORARY_RE.test(n), (dir, n) => path.relative(this.dir, path.join(dir, n)))));
    return out;
  }

  async size(name: string): Promise<number> {
    return (await fsp.stat(this.p(name))).size;
  }

  async close(): Promise<void> {}
}
