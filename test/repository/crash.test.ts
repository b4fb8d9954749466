// A backup killed with SIGKILL half-way: both checks accept the repository, and the next backup
// finishes and reuses the packs the killed one wrote.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { lifeboat, must, PASSWORD, pseudoRandom, restic, ROOT, tmpDir } from './helpers.ts';

let work: string;
let data: string;
let repo: string;

function packs(): string[] {
  return fs
    .readdirSync(path.join(repo, 'data'), { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && /^[0-9a-f]{64}$/.test(d.name))
    .map((d) => d.name);
}

beforeAll(async () => {
  work = tmpDir('crash');
  data = path.join(work, 'data');
  fs.mkdirSync(data);
  for (let i = 0; i < 6; i++) fs.writeFileSync(path.join(data, `part${i}.bin`), pseudoRandom(64 * 1024 * 1024, `part${i}`));
  repo = path.join(work, 'repo');
  must(await lifeboat(['-r', repo, 'repo', 'init']), 'init');
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

it('SIGKILL mid-backup: lifeboat and restic checks accept the repository; the next backup reuses the packs written', async () => {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/lifeboat.js'), '-r', repo, 'repo', 'backup-path', data], {
    env: { ...process.env, LIFEBOAT_PASSWORD: PASSWORD },
    stdio: 'ignore',
  });
  const exited = new Promise((r) => child.on('exit', r));
  // Wait until a few packs are on disk, then kill without warning.
  const deadline = Date.now() + 60_000;
  while (packs().length < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGKILL');
  await exited;
  const written = packs();
  expect(written.length).toBeGreaterThanOrEqual(6);
  expect(fs.readdirSync(path.join(repo, 'snapshots'))).toEqual([]);

  const check = await lifeboat(['-r', repo, 'repo', 'check']);
  expect(check.code, check.stdout + check.stderr).toBe(0);
  must(await restic(['-r', repo, 'check']), 'restic check after the kill');

  const again = JSON.parse(must(await lifeboat(['-r', repo, '--json', 'repo', 'backup-path', data]), 'second backup').stdout) as { bytes: number; bytesNew: number };
  // Every pack the killed backup wrote is still there and its data was not stored again.
  const after = new Set(packs());
  for (const p of written) expect(after.has(p)).toBe(true);
  const reused = again.bytes - again.bytesNew;
  // The data is random, stored as it is: a pack holds its blobs' bytes and a little overhead.
  const writtenBytes = fs
    .readdirSync(path.join(repo, 'data'), { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && written.includes(d.name))
    .reduce((n, d) => n + fs.statSync(path.join(d.parentPath, d.name)).size, 0);
  expect(reused).toBeGreaterThanOrEqual(writtenBytes * 0.95);
  must(await restic(['-r', repo, 'check', '--read-data']), 'restic check --read-data after the second backup');
  must(await lifeboat(['-r', repo, 'repo', 'check', '--read-data']), 'lifeboat check --read-data after the second backup');
});
