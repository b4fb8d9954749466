import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalBackend, Repository, SnapshotWriter, findPath, readFile } from '../../src/engine/repository/index.ts';
import { BIN } from '../helpers/cli.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-writer-adds-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('a stream that fails half-way', () => {
  it('leaves nothing of itself in the next file, and the snapshot still checks with restic', async () => {
    const repo = await Repository.init(new LocalBackend(path.join(dir, 'repo')), 'pw');
    const writer = await SnapshotWriter.start(repo, { workers: 1 });
    const junk = crypto.randomBytes(3 * 1024 * 1024);
    async function* failing() {
      yield junk.subarray(0, 1024 * 1024);
      yield junk.subarray(1024 * 1024, 2 * 1024 * 1024);
      throw new Error('pg_dump died');
    }
    await expect(writer.addStream('/databases/broken.dump', failing())).rejects.toThrow('pg_dump died');
    const good = crypto.randomBytes(1500 * 1024);
    await writer.addBytes('/etcd/snapshot.db', good);
    const id = await writer.commit({ tags: ['test'] });
    const snap = await repo.findSnapshot(id);
    const { node } = await findPath(repo, snap, '/etcd/snapshot.db');
    const parts: Buffer[] = [];
    for await (const b of readFile(repo, node)) parts.push(b);
    expect(Buffer.concat(parts).equals(good)).toBe(true);
    await expect(findPath(repo, snap, '/databases/broken.dump')).rejects.toThrow();
    await repo.close();
    execFileSync('restic', ['-r', path.join(dir, 'repo'), 'check', '--read-data'], { env: { ...process.env, RESTIC_PASSWORD: 'pw' }, stdio: 'pipe' });
  });
});

describe('adds at once', () => {
  it('keeps each of several streams and a folder whole when they are added at the same time', async () => {
    const repo = await Repository.init(new LocalBackend(path.join(dir, 'repo2')), 'pw');
    const writer = await SnapshotWriter.start(repo, { workers: 2 });
    const data = [1, 2, 3].map((i) => crypto.randomBytes(3 * 1024 * 1024 + i * 77777));
    async function* slowly(buf: Buffer) {
      for (let off = 0; off < buf.length; off += 64 * 1024) {
        yield buf.subarray(off, off + 64 * 1024);
        await new Promise((r) => setImmediate(r));
      }
    }
    const folder = path.join(dir, 'folder');
    fs.mkdirSync(path.join(folder, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(folder, 'sub', 'big.bin'), crypto.randomBytes(2 * 1024 * 1024));
    fs.writeFileSync(path.join(folder, 'small.txt'), 'small\n');
    const seen: number[] = [];
    const [, , , tree] = await Promise.all([
      ...data.map((d, i) => writer.addStream(`/streams/s${i}`, slowly(d))),
      writer.addPath(folder, '/folder', { onProgress: (p) => seen.push(p.bytes) }),
    ]);
    expect(tree).toEqual({ bytes: 2 * 1024 * 1024 + 6, items: 4 }); // the folder itself, sub/, two files
    expect(seen.at(-1)).toBe(2 * 1024 * 1024 + 6);
    const snap = await repo.findSnapshot(await writer.commit());
    for (const [i, d] of data.entries()) {
      const parts: Buffer[] = [];
      for await (const b of readFile(repo, (await findPath(repo, snap, `/streams/s${i}`)).node)) parts.push(b);
      expect(Buffer.concat(parts).equals(d)).toBe(true);
    }
    await repo.close();
    execFileSync('restic', ['-r', path.join(dir, 'repo2'), 'check', '--read-data'], { env: { ...process.env, RESTIC_PASSWORD: 'pw' }, stdio: 'pipe' });
  });
});

describe('a parent snapshot', () => {
  it('lets an unchanged file keep its content unread, while a changed one is read again; restic agrees', async () => {
    const tree = path.join(dir, 'parent-tree');
    fs.mkdirSync(path.join(tree, 'd'), { recursive: true });
    const keep = crypto.randomBytes(1024 * 1024);
    fs.writeFileSync(path.join(tree, 'd', 'keep.bin'), keep);
    fs.writeFileSync(path.join(tree, 'change.txt'), 'before\n');
    const env = { ...process.env, LIFEBOAT_PASSWORD: 'pw', RESTIC_PASSWORD: 'pw' };
    const repoDir = path.join(dir, 'repo3');
    const cli = (...args: string[]) => JSON.parse(execFileSync(process.execPath, [BIN, '-r', repoDir, ...args, '--json'], { env, encoding: 'utf8' }));
    execFileSync(process.execPath, [BIN, '-r', repoDir, 'repo', 'init'], { env });
    const first = cli('repo', 'backup-path', tree);
    expect(first).toMatchObject({ parent: null, filesUnchanged: 0 });
    fs.writeFileSync(path.join(tree, 'change.txt'), 'after, longer\n');
    const second = cli('repo', 'backup-path', tree);
    expect(second).toMatchObject({ parent: first.snapshot, filesUnchanged: 1, bytes: keep.length + 'after, longer\n'.length });
    // What restic restores of the second snapshot is the tree as it is now.
    const out = path.join(dir, 'parent-restored');
    execFileSync('restic', ['-r', repoDir, 'restore', second.snapshot, '--target', out], { env, stdio: 'pipe' });
    expect(fs.readFileSync(path.join(out, tree, 'd', 'keep.bin')).equals(keep)).toBe(true);
    expect(fs.readFileSync(path.join(out, tree, 'change.txt'), 'utf8')).toBe('after, longer\n');
    execFileSync('restic', ['-r', repoDir, 'check', '--read-data'], { env, stdio: 'pipe' });
  });
});
