// A damaged pack: check --read-data names the blob and the files that use it and exits 1;
// other files still restore.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { lifeboat, must, pseudoRandom, restic, tmpDir } from './helpers.ts';

let work: string;
let data: string;
let repo: string;

beforeAll(async () => {
  work = tmpDir('damage');
  data = path.join(work, 'data');
  fs.mkdirSync(path.join(data, 'other'), { recursive: true });
  fs.writeFileSync(path.join(data, 'victim.bin'), pseudoRandom(3 * 1024 * 1024, 'victim'));
  fs.writeFileSync(path.join(data, 'other', 'safe.txt'), 'safe\n'.repeat(1000));
  repo = path.join(work, 'repo');
  must(await lifeboat(['-r', repo, 'repo', 'init']), 'init');
  // Two backups: the victim's blobs go in one pack, the other file's in another.
  must(await lifeboat(['-r', repo, 'repo', 'backup-path', path.join(data, 'victim.bin')]), 'backup victim');
  must(await lifeboat(['-r', repo, 'repo', 'backup-path', path.join(data, 'other')]), 'backup other');
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

it('a flipped byte in a pack: repo check --read-data names the damaged blob and its files, exits 1; other files still restore', async () => {
  // The biggest pack holds the victim's data blobs; flip a byte in its first blob.
  const packs = fs.readdirSync(path.join(repo, 'data'), { recursive: true, withFileTypes: true }).filter((d) => d.isFile());
  const biggest = packs.map((d) => path.join(d.parentPath, d.name)).sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0]!;
  const bytes = fs.readFileSync(biggest);
  bytes[1000] ^= 0xff;
  fs.writeFileSync(biggest, bytes);

  const check = await lifeboat(['-r', repo, 'repo', 'check', '--read-data']);
  expect(check.code).toBe(1);
  expect(check.stdout).toMatch(/damaged data blob [0-9a-f]{64} in pack [0-9a-f]{64} \(MAC mismatch/);
  expect(check.stdout).toContain(`${path.join(data, 'victim.bin')}`);
  expect(check.stdout).not.toContain('safe.txt');
  expect(check.stderr).toMatch(/^lifeboat: the repository at .* is damaged/m);
  // restic agrees that something is wrong.
  expect((await restic(['-r', repo, 'check', '--read-data'])).code).not.toBe(0);

  const target = path.join(work, 'restore');
  must(await lifeboat(['-r', repo, 'repo', 'restore', 'latest', '--target', target]), 'restore of the undamaged snapshot');
  expect(fs.readFileSync(path.join(target, data, 'other', 'safe.txt'), 'utf8')).toBe('safe\n'.repeat(1000));
  // Restoring the damaged file reports it and exits 1.
  const snaps = JSON.parse(must(await lifeboat(['-r', repo, 'snapshots', '--json']), 'snapshots').stdout) as { id: string; paths: string[] }[];
  const victimSnap = snaps.find((s) => s.paths[0]!.endsWith('victim.bin'))!;
  const bad = await lifeboat(['-r', repo, 'repo', 'restore', victimSnap.id.slice(0, 10), '--target', path.join(work, 'restore-bad')]);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toContain('MAC mismatch');
});
