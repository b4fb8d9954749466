// Benchmark: lifeboat against restic 0.14 on the same generated mixed data set (bench/dataset.ts),
// in the same run: initial backup (throughput, peak RSS, repository size), unchanged re-backup,
// restore of that snapshot to an empty folder (time, peak RSS), and the start of `--help` and
// `snapshots` against `node -e 0`. Prints each figure, the reference's, the ratio and the goal.
//
//   node bin/run-ts.js bench/repository.ts [--size-mib 400]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mixedDataset, treeSize as tree } from './dataset.ts';

const args = process.argv.slice(2);
const sizeMiB = Number(args[args.indexOf('--size-mib') + 1] || 400) || 400;
const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin', 'lifeboat.js');
const PASSWORD = 'bench-password';

interface Timed {
  seconds: number;
  rssMB: number;
  out: string;
}

/** Runs a command under /usr/bin/time; wall seconds and peak RSS. */
function timed(cmd: string, argv: string[], env: NodeJS.ProcessEnv = {}): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('/usr/bin/time', ['-f', 'RSS_KIB=%M', cmd, ...argv], { env: { ...process.env, ...env }, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => {
      const seconds = (performance.now() - t0) / 1000;
      if (code !== 0) return reject(new Error(`${cmd} ${argv.join(' ')} exited ${code}: ${err.slice(-2000)}`));
      resolve({ seconds, rssMB: (Number(/RSS_KIB=(\d+)/.exec(err)?.[1] ?? 0) * 1024) / 1e6, out });
    });
  });
}

/** The best of `n` runs: start-up times are short and noisy. */
async function best(n: number, cmd: string, argv: string[], env: NodeJS.ProcessEnv = {}): Promise<Timed> {
  let b: Timed | undefined;
  for (let i = 0; i < n; i++) {
    const t = await timed(cmd, argv, env);
    if (!b || t.seconds < b.seconds) b = t;
  }
  return b!;
}

const rows: string[][] = [];
function row(measure: string, lifeboat: string, restic: string, ratio: number, goal: string, met: boolean): void {
  rows.push([measure, lifeboat, restic, `${ratio.toFixed(2)}x`, goal, met ? 'met' : 'NOT met']);
  console.log(`  ${measure}: lifeboat ${lifeboat}, reference ${restic}, ratio ${ratio.toFixed(2)}x (goal ${goal}): ${met ? 'met' : 'NOT met'}`);
}

const set = mixedDataset(sizeMiB);
const mb = set.bytes / 1e6;
console.log(`repository benchmark: ${set.dir}, ${mb.toFixed(0)} MB in ${set.files} files, ${os.availableParallelism()} cores, node ${process.version}`);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-bench-repo-'));
try {
  const resticRepo = path.join(work, 'restic-repo');
  const lifeboatRepo = path.join(work, 'lifeboat-repo');
  const renv = { RESTIC_PASSWORD: PASSWORD };
  const lenv = { LIFEBOAT_PASSWORD: PASSWORD };
  await timed('restic', ['init', '-q', '--repository-version', '2', '-r', resticRepo], renv);
  await timed(process.execPath, [BIN, '-r', lifeboatRepo, 'repo', 'init'], lenv);
  // Warm the page cache for both alike.
  for (const e of fs.readdirSync(set.dir, { withFileTypes: true, recursive: true })) if (e.isFile()) fs.readFileSync(path.join(e.parentPath, e.name));

  const rb = await timed('restic', ['--no-cache', '-r', resticRepo, 'backup', '-q', set.dir], renv);
  const lb = await timed(process.execPath, [BIN, '-r', lifeboatRepo, 'repo', 'backup-path', set.dir], lenv);
  row('initial backup', `${(mb / lb.seconds).toFixed(0)} MB/s (${lb.seconds.toFixed(2)} s)`, `${(mb / rb.seconds).toFixed(0)} MB/s (${rb.seconds.toFixed(2)} s)`, rb.seconds / lb.seconds, '>= 1.5x', rb.seconds / lb.seconds >= 1.5);
  row('backup peak RSS', `${lb.rssMB.toFixed(0)} MB`, `${rb.rssMB.toFixed(0)} MB`, lb.rssMB / rb.rssMB, '<= 1x', lb.rssMB <= rb.rssMB);
  const lsize = tree(lifeboatRepo).bytes / 1e6;
  const rsize = tree(resticRepo).bytes / 1e6;
  row('repository size', `${lsize.toFixed(0)} MB`, `${rsize.toFixed(0)} MB`, lsize / rsize, '<= 1.05x', lsize / rsize <= 1.05);

  const lb2 = await timed(process.execPath, [BIN, '-r', lifeboatRepo, 'repo', 'backup-path', set.dir], lenv);
  const rb2 = await timed('restic', ['--no-cache', '-r', resticRepo, 'backup', '-q', set.dir], renv);
  row('unchanged re-backup', `${lb2.seconds.toFixed(2)} s`, `${rb2.seconds.toFixed(2)} s`, rb2.seconds / lb2.seconds, '>= 1x (speed)', lb2.seconds <= rb2.seconds);

  const lt = path.join(work, 'lifeboat-restore');
  const rt = path.join(work, 'restic-restore');
  const lr = await timed(process.execPath, [BIN, '-r', lifeboatRepo, 'repo', 'restore', 'latest', '--target', lt], lenv);
  const rr = await timed('restic', ['--no-cache', '-r', resticRepo, 'restore', 'latest', '--target', rt], renv);
  const got = tree(path.join(lt, set.dir));
  if (got.bytes !== set.bytes || got.files !== set.files) throw new Error(`lifeboat restored ${got.files} files, ${got.bytes} bytes; the set has ${set.files}, ${set.bytes}`);
  row('restore to an empty folder', `${lr.seconds.toFixed(2)} s`, `${rr.seconds.toFixed(2)} s`, rr.seconds / lr.seconds, '>= 1x (speed)', lr.seconds <= rr.seconds);
  row('restore peak RSS', `${lr.rssMB.toFixed(0)} MB`, `${rr.rssMB.toFixed(0)} MB`, lr.rssMB / rr.rssMB, '<= 1x', lr.rssMB <= rr.rssMB);
  fs.rmSync(lt, { recursive: true, force: true });
  fs.rmSync(rt, { recursive: true, force: true });

  const node0 = await best(5, process.execPath, ['-e', '0']);
  const help = await best(5, process.execPath, [BIN, '--help']);
  row('`lifeboat --help`', `${help.seconds.toFixed(3)} s`, `node -e 0: ${node0.seconds.toFixed(3)} s`, help.seconds / node0.seconds, '<= 2x', help.seconds <= 2 * node0.seconds);
  const snaps = await best(5, process.execPath, [BIN, '-r', lifeboatRepo, 'snapshots'], lenv);
  row('`lifeboat snapshots` (2 snapshots)', `${snaps.seconds.toFixed(3)} s`, `node -e 0: ${node0.seconds.toFixed(3)} s`, snaps.seconds / node0.seconds, '<= 2x', snaps.seconds <= 2 * node0.seconds);
  // Both derive the key from the password with scrypt (restic's parameters) before listing.
  const rsnaps = await best(5, 'restic', ['--no-cache', '-r', resticRepo, 'snapshots'], renv);
  row('`lifeboat snapshots` against `restic snapshots`', `${snaps.seconds.toFixed(3)} s`, `${rsnaps.seconds.toFixed(3)} s`, rsnaps.seconds / snaps.seconds, '>= 1x (speed)', snaps.seconds <= rsnaps.seconds);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
// For the README: one Markdown row per measure.
console.log('\n| measure | lifeboat | reference | ratio | goal | verdict |\n| --- | --- | --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
