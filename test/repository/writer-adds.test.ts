import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalBackend, Repository, SnapshotWriter, findPath, readFile } from '../../src/engine/repository/index.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-failed-stream-'));
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
