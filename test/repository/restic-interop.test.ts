// lifeboat and the real restic 0.14 reading each other's repositories, driven through the CLI.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeTree, diffTrees, duBytes, lifeboat, makeDataset, must, pseudoRandom, restic, tmpDir } from './helpers.ts';

let work: string;
let data: string;

beforeAll(() => {
  work = tmpDir('interop');
  data = path.join(work, 'data');
  makeDataset(data);
});

afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

describe('lifeboat writes, restic reads', () => {
  let repo: string;
  let firstSnapshot: string;

  it('lifeboat backup-path: restic check --read-data passes and restic restore is byte-identical with modes and times', async () => {
    repo = path.join(work, 'lb-repo');
    must(await lifeboat(['-r', repo, 'repo', 'init']), 'lifeboat repo init');
    const backup = must(await lifeboat(['-r', repo, '--json', 'repo', 'backup-path', data, '--tag', 'first', '--tag', 'test']), 'backup-path');
    const out = JSON.parse(backup.stdout) as { snapshot: string; bytes: number };
    expect(out.snapshot).toMatch(/^[0-9a-f]{64}$/);
    firstSnapshot = out.snapshot;

    must(await restic(['-r', repo, 'check', '--read-data']), 'restic check --read-data');
    const snaps = JSON.parse(must(await restic(['-r', repo, 'snapshots', '--json']), 'restic snapshots').stdout) as { id: string; tags: string[]; paths: string[] }[];
    expect(snaps.map((s) => s.id)).toEqual([firstSnapshot]);
    expect(snaps[0]!.tags).toEqual(['first', 'test']);
    expect(snaps[0]!.paths).toEqual([data]);

    const target = path.join(work, 'restic-restore');
    must(await restic(['-r', repo, 'restore', firstSnapshot, '--target', target]), 'restic restore');
    expect(diffTrees(describeTree(data), describeTree(path.join(target, data)))).toEqual([]);
  });

  it('lists snapshots and files (lifeboat snapshots, repo ls) with ids, prefixes and latest', async () => {
    const list = JSON.parse(must(await lifeboat(['-r', repo, 'snapshots', '--json']), 'snapshots').stdout) as { id: string }[];
    expect(list.map((s) => s.id)).toEqual([firstSnapshot]);
    const ls = must(await lifeboat(['-r', repo, 'repo', 'ls', firstSnapshot.slice(0, 8), path.join(data, 'odd names')]), 'ls');
    expect(ls.stdout).toContain('ünïcödé ✓');
    expect(ls.stdout).toContain('<html>&amp;');
    const lsJson = JSON.parse(must(await lifeboat(['-r', repo, '--json', 'repo', 'ls', 'latest', data]), 'ls --json').stdout) as { path: string; type: string; size: number }[];
    expect(lsJson.find((e) => e.path === `${data}/big.bin`)?.size).toBe(100 * 1024 * 1024);
    expect(lsJson.find((e) => e.path === `${data}/link-to-big`)?.type).toBe('symlink');
  });

  it('lifeboat repo restore gives back its own backup byte-identical, and --include restores one path', async () => {
    const target = path.join(work, 'lb-restore');
    must(await lifeboat(['-r', repo, 'repo', 'restore', 'latest', '--target', target]), 'repo restore');
    expect(diffTrees(describeTree(data), describeTree(path.join(target, data)))).toEqual([]);
    const one = path.join(work, 'lb-restore-one');
    must(await lifeboat(['-r', repo, 'repo', 'restore', 'latest', '--target', one, '--include', `${data}/nested/a`]), 'restore --include');
    expect(fs.readdirSync(path.join(one, data))).toEqual(['nested']);
    expect(diffTrees(describeTree(path.join(data, 'nested/a')), describeTree(path.join(one, data, 'nested/a')))).toEqual([]);
  });

  it('a second backup with 1% of the tree changed stores only the changed chunks', async () => {
    const before = duBytes(repo);
    const total = duBytes(data);
    // Change 1%: 1 MiB in the middle of the big file, and 50 of the small files.
    const fd = fs.openSync(path.join(data, 'big.bin'), 'r+');
    fs.writeSync(fd, pseudoRandom(1024 * 1024, 'change'), 0, 1024 * 1024, 50 * 1024 * 1024);
    fs.closeSync(fd);
    for (let i = 0; i < 50; i++) fs.appendFileSync(path.join(data, 'small', String(i % 50).padStart(2, '0'), `f${i}.txt`), 'changed\n');
    const out = JSON.parse(must(await lifeboat(['-r', repo, '--json', 'repo', 'backup-path', data]), 'second backup').stdout) as { snapshot: string; bytesNew: number };
    const growth = duBytes(repo) - before;
    // The changed MiB touches at most a few chunks (8 MiB at the very most); trees and small files add a little.
    expect(out.bytesNew).toBeLessThan(10 * 1024 * 1024);
    expect(growth).toBeGreaterThan(0);
    expect(growth).toBeLessThan(total * 0.1);
    must(await restic(['-r', repo, 'check', '--read-data']), 'restic check after the second backup');
    const target = path.join(work, 'restic-restore-2');
    must(await restic(['-r', repo, 'restore', out.snapshot, '--target', target]), 'restic restore 2');
    expect(diffTrees(describeTree(data), describeTree(path.join(target, data)))).toEqual([]);
  });
});

describe('restic writes, lifeboat reads', () => {
  it('restic backup: lifeboat repo restore is byte-identical, lifeboat repo check --read-data passes', async () => {
    const repo = path.join(work, 'restic-repo');
    must(await restic(['-r', repo, 'init', '--repository-version', '2']), 'restic init');
    must(await restic(['-r', repo, 'backup', data]), 'restic backup');
    must(await lifeboat(['-r', repo, 'repo', 'check', '--read-data']), 'lifeboat check');
    const target = path.join(work, 'from-restic');
    must(await lifeboat(['-r', repo, 'repo', 'restore', 'latest', '--target', target]), 'lifeboat restore');
    expect(diffTrees(describeTree(data), describeTree(path.join(target, data)))).toEqual([]);
    // And lifeboat can add a snapshot to restic's repository that restic accepts.
    must(await lifeboat(['-r', repo, 'repo', 'backup-path', path.join(data, 'nested')]), 'lifeboat backup into restic repo');
    must(await restic(['-r', repo, 'check', '--read-data']), 'restic check');
  });
});
