// A kill loop: backups, prunes, forgets and index rebuilds SIGKILLed at random points (a seeded
// generator, so a failure can be replayed), each followed by restic check and lifeboat check.
// Killing lifeboat anywhere must leave a repository both accept, and the next backup finishes.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { lifeboat, must, PASSWORD, pseudoRandom, restic, ROOT, tmpDir } from '../repository/helpers.ts';

let work: string;
let data: string;
let repo: string;

/** mulberry32: small, seeded, good enough to pick kill points. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

beforeAll(async () => {
  work = tmpDir('kill-loop');
  data = path.join(work, 'data');
  fs.mkdirSync(path.join(data, 'small'), { recursive: true });
  for (let i = 0; i < 3; i++) fs.writeFileSync(path.join(data, `part${i}.bin`), pseudoRandom(24 * 1024 * 1024, `kill${i}`));
  for (let i = 0; i < 300; i++) fs.writeFileSync(path.join(data, 'small', `f${i}`), `file ${i}\n`.repeat(i));
  repo = path.join(work, 'repo');
  must(await lifeboat(['-r', repo, 'repo', 'init']), 'init');
  must(await lifeboat(['-r', repo, 'repo', 'backup-path', data]), 'first backup');
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const OPS: string[][] = [
  ['repo', 'backup-path', 'DATA'],
  ['repo', 'backup-path', 'DATA'],
  ['repo', 'forget', '--keep-last', '2', '--prune'],
  ['repo', 'prune'],
  ['repo', 'rebuild-index'],
];

it('SIGKILL at random points of backup, forget, prune and rebuild-index: restic check and lifeboat check pass after each', async () => {
  const random = rng(20261201);
  const rounds = 8;
  for (let round = 0; round < rounds; round++) {
    const op = OPS[Math.floor(random() * OPS.length)]!.map((a) => (a === 'DATA' ? data : a));
    // Change a file so the backup has something new to write.
    fs.writeFileSync(path.join(data, 'part0.bin'), pseudoRandom(24 * 1024 * 1024, `kill0-${round}`));
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/lifeboat.js'), '-r', repo, ...op], { env: { ...process.env, LIFEBOAT_PASSWORD: PASSWORD }, stdio: 'ignore' });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const killAfter = 300 + Math.floor(random() * 4000);
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfter);
    const code = await exited;
    clearTimeout(timer);
    const what = `round ${round}: ${op.slice(1).join(' ')} killed after ${killAfter} ms (exit ${code})`;
    // The killed process's lock is stale (dead process on this host): restic is told not to lock.
    const rs = await restic(['-r', repo, '--no-lock', 'check']);
    expect(rs.code, `${what}\n${rs.stdout}\n${rs.stderr}`).toBe(0);
    const lb = await lifeboat(['-r', repo, 'repo', 'check']);
    expect(lb.code, `${what}\n${lb.stdout}\n${lb.stderr}`).toBe(0);
  }
  // After it all: a backup finishes, and everything reads back.
  must(await lifeboat(['-r', repo, 'repo', 'backup-path', data]), 'backup after the kill loop');
  must(await lifeboat(['-r', repo, 'repo', 'prune']), 'prune after the kill loop');
  must(await restic(['-r', repo, 'check', '--read-data']), 'restic check --read-data');
  must(await lifeboat(['-r', repo, 'repo', 'check', '--read-data']), 'lifeboat check --read-data');
  expect(fs.readdirSync(path.join(repo, 'data'), { recursive: true }).filter((n) => /-tmp-/.test(String(n)))).toEqual([]);
});
