// A snapshot real restic made of a folder with absolute and escaping links (common in volumes and
// system trees): lifeboat repo restore makes them as links, exactly as restic restore does, exits
// 0, and writes through none of them.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeTree, diffTrees, lifeboat, must, restic, tmpDir } from './helpers.ts';

let work: string;

beforeAll(() => {
  work = tmpDir('restic-links');
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

it('restores the absolute links of a restic snapshot as links, like restic, exit 0', async () => {
  const src = path.join(work, 'src');
  fs.mkdirSync(path.join(src, 'etc'), { recursive: true });
  fs.symlinkSync('/etc/hostname', path.join(src, 'etc', 'hostname'));
  fs.symlinkSync('../../../../../outside', path.join(src, 'escaping'));
  fs.symlinkSync('etc/hostname', path.join(src, 'relative'));
  fs.writeFileSync(path.join(src, 'etc', 'motd'), 'hello\n');
  const repo = path.join(work, 'repo');
  must(await restic(['-r', repo, 'init']), 'restic init');
  must(await restic(['-r', repo, 'backup', src]), 'restic backup');
  const hostnameBefore = fs.readFileSync('/etc/hostname');

  const mine = path.join(work, 'lifeboat');
  const theirs = path.join(work, 'restic');
  const r = await lifeboat(['-r', repo, 'repo', 'restore', 'latest', '--target', mine]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toBe('');
  must(await restic(['-r', repo, 'restore', 'latest', '--target', theirs]), 'restic restore');
  expect(diffTrees(describeTree(theirs), describeTree(mine))).toEqual([]);
  expect(fs.readlinkSync(path.join(mine, src, 'etc', 'hostname'))).toBe('/etc/hostname');
  expect(fs.readFileSync('/etc/hostname')).toEqual(hostnameBefore);
  expect(fs.readdirSync(work).sort()).toEqual(['lifeboat', 'repo', 'restic', 'src']);
});
