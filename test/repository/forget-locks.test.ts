// forget with keep policies, prune, and locks restic understands.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBackend, Repository, SnapshotWriter } from '../../src/engine/repository/index.ts';
import { applyPolicy } from '../../src/engine/repository/forget.ts';
import type { SnapshotInfo } from '../../src/engine/repository/snapshot.ts';
import { duBytes, lifeboat, must, PASSWORD, pseudoRandom, restic, tmpDir } from './helpers.ts';

let work: string;
let repoDir: string;

beforeAll(() => {
  work = tmpDir('forget');
  repoDir = path.join(work, 'repo');
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const snap = (id: string, time: string): SnapshotInfo => ({ id, time, tree: 't', paths: ['/x'], hostname: 'h' });

describe('keep policy', () => {
  it('keeps the newest per day, week, month as restic does', () => {
    const list = [
      snap('a', '2024-03-10T10:00:00Z'),
      snap('b', '2024-03-10T09:00:00Z'),
      snap('c', '2024-03-09T10:00:00Z'),
      snap('d', '2024-03-01T10:00:00Z'),
      snap('e', '2024-02-15T10:00:00Z'),
      snap('f', '2024-01-15T10:00:00Z'),
    ];
    expect(applyPolicy(list, { last: 2 }).keep.map((s) => s.id)).toEqual(['a', 'b']);
    expect(applyPolicy(list, { daily: 3 }).keep.map((s) => s.id)).toEqual(['a', 'c', 'd']);
    expect(applyPolicy(list, { monthly: 2 }).keep.map((s) => s.id)).toEqual(['a', 'e']);
    expect(applyPolicy(list, { last: 1, monthly: 3 }).keep.map((s) => s.id)).toEqual(['a', 'e', 'f']);
    expect(applyPolicy(list, { weekly: 2 }).keep.map((s) => s.id)).toEqual(['a', 'd']);
  });
});

describe('forget and prune through the CLI', () => {
  it('forget --keep-last 2 --prune removes old snapshots and their data; restic check passes', async () => {
    const repo = await Repository.init(new LocalBackend(repoDir), PASSWORD);
    // Five snapshots a day apart, each with 4 MiB of its own data.
    for (let i = 0; i < 5; i++) {
      const w = await SnapshotWriter.start(repo, { workers: 1 });
      await w.addBytes('/data/own.bin', pseudoRandom(4 * 1024 * 1024, `day${i}`));
      await w.addBytes('/data/shared.txt', 'shared by all\n');
      await w.commit({ time: new Date(Date.UTC(2024, 0, 1 + i, 12)), hostname: 'node1', paths: ['/data'] });
    }
    await repo.close();
    const before = duBytes(repoDir);
    const out = JSON.parse(must(await lifeboat(['-r', repoDir, '--json', 'repo', 'forget', '--keep-last', '2', '--prune']), 'forget').stdout) as {
      keep: string[];
      remove: string[];
    };
    expect(out.keep).toHaveLength(2);
    expect(out.remove).toHaveLength(3);
    const shrunk = before - duBytes(repoDir);
    expect(shrunk).toBeGreaterThan(3 * 4 * 1024 * 1024 - 1024 * 1024);
    must(await restic(['-r', repoDir, 'check', '--read-data']), 'restic check after prune');
    must(await lifeboat(['-r', repoDir, 'repo', 'check', '--read-data']), 'lifeboat check after prune');
    const left = JSON.parse(must(await lifeboat(['-r', repoDir, 'snapshots', '--json']), 'snapshots').stdout) as { time: string }[];
    expect(left.map((s) => s.time.slice(0, 10))).toEqual(['2024-01-05', '2024-01-04']);
    // Nothing left to prune.
    expect(must(await lifeboat(['-r', repoDir, 'repo', 'prune']), 'prune').stdout).toMatch(/^0 packs deleted/);
  });

  it('forget without a policy is a usage error', async () => {
    const r = await lifeboat(['-r', repoDir, 'repo', 'forget']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('forget needs a policy');
  });
});

describe('locks', () => {
  it("restic sees lifeboat's exclusive lock in its own format and stops", async () => {
    const repo = await Repository.open(new LocalBackend(repoDir), PASSWORD);
    const held = await repo.lock(true);
    try {
      const listed = must(await restic(['-r', repoDir, 'list', 'locks', '--no-lock']), 'restic list locks').stdout.trim();
      expect(listed).toBe(held.id);
      const blocked = await restic(['-r', repoDir, 'backup', path.join(work, 'repo', 'config')]);
      expect(blocked.code).not.toBe(0);
      expect(blocked.stderr).toMatch(/repository is already locked exclusively by PID \d+/);
    } finally {
      await held.release();
    }
    await repo.close();
  });

  it('two lifeboat backups at once both finish, and restic checks the result', async () => {
    const a = path.join(work, 'a');
    const b = path.join(work, 'b');
    fs.mkdirSync(a);
    fs.mkdirSync(b);
    fs.writeFileSync(path.join(a, 'x.bin'), pseudoRandom(30 * 1024 * 1024, 'a'));
    fs.writeFileSync(path.join(b, 'y.bin'), pseudoRandom(30 * 1024 * 1024, 'b'));
    const [ra, rb] = await Promise.all([lifeboat(['-r', repoDir, 'repo', 'backup-path', a]), lifeboat(['-r', repoDir, 'repo', 'backup-path', b])]);
    must(ra, 'backup a');
    must(rb, 'backup b');
    must(await restic(['-r', repoDir, 'check', '--read-data']), 'restic check after two writers');
    const list = JSON.parse(must(await lifeboat(['-r', repoDir, 'snapshots', '--json']), 'snapshots').stdout) as { paths: string[] }[];
    expect(list.map((s) => s.paths[0]).filter((p) => p === a || p === b).sort()).toEqual([a, b]);
  });

  it('an exclusive lock held elsewhere stops a backup with one clear line', async () => {
    const repo = await Repository.open(new LocalBackend(repoDir), PASSWORD);
    const held = await repo.lock(true);
    try {
      const r = await lifeboat(['-r', repoDir, 'repo', 'backup-path', path.join(work, 'a')]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toMatch(/^lifeboat: repository is locked: an exclusive lock [0-9a-f]{8} held by PID \d+ on .*: wait for it to finish$/);
    } finally {
      await held.release();
      await repo.close();
    }
  });
});
