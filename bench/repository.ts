// Benchmark: the same 1 GiB mixed dataset (incompressible data, text, many small files) backed
// up by lifeboat and by restic 0.14, each into a fresh repository, in the same run. Prints the
// throughput of both, their ratio, peak memory (RSS) and repository sizes.
//
//   node bin/run-ts.js bench/repository.ts [--size-mib 1024] [--keep]
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const args = process.argv.slice(2);
const sizeMiB = Number(args[args.indexOf('--size-mib') + 1] || 1024) || 1024;
const keep = args.includes('--keep');
const ROOT = path.resolve(import.meta.dirname, '..');
const PASSWORD = 'bench-password';
const work = path.join(os.tmpdir(), `lifeboat-bench-${sizeMiB}`);
const data = path.join(work, 'data');

function pseudoRandom(n: number, seed: string): Buffer {
  const key = crypto.createHash('sha256').update(seed).digest();
  return crypto.createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(n));
}

/** 45% incompressible (random and an image-layer-like gzip), 40% text and YAML, 15% small files. */
function makeDataset(): void {
  if (fs.existsSync(path.join(data, '.complete'))) return;
  fs.rmSync(data, { recursive: true, force: true });
  fs.mkdirSync(data, { recursive: true });
  const MiB = 1024 * 1024;
  const random = Math.round(sizeMiB * 0.45);
  for (let i = 0; i * 64 < random; i++) fs.writeFileSync(path.join(data, `blob${i}.bin`), pseudoRandom(Math.min(64, random - i * 64) * MiB, `r${i}`));
  const text = Math.round(sizeMiB * 0.4);
  fs.mkdirSync(path.join(data, 'logs'));
  for (let f = 0; f * 32 < text; f++) {
    const lines: string[] = [];
    let bytes = 0;
    const target = Math.min(32, text - f * 32) * MiB;
    for (let i = 0; bytes < target; i++) {
      const line = `2026-11-25T12:${String(i % 60).padStart(2, '0')}:00Z level=info pod=web-${(i * 7919) % 5000} ns=prod msg="request ${crypto.randomBytes(6).toString('hex')} served in ${i % 997}ms" bytes=${(i * 104729) % 100000}\n`;
      lines.push(line);
      bytes += line.length;
    }
    fs.writeFileSync(path.join(data, 'logs', `app${f}.log`), lines.join(''));
  }
  const small = Math.round(sizeMiB * 0.15) * MiB;
  let written = 0;
  for (let i = 0; written < small; i++) {
    const dir = path.join(data, 'manifests', String(i % 100));
    if (i < 100) fs.mkdirSync(dir, { recursive: true });
    const body = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\n  namespace: ns-${i % 40}\ndata:\n` + Array.from({ length: 20 + (i % 200) }, (_, k) => `  key${k}: "${crypto.randomBytes(8).toString('base64')}"\n`).join('');
    fs.writeFileSync(path.join(dir, `cm-${i}.yaml`), body);
    written += body.length;
  }
  fs.writeFileSync(path.join(data, '.complete'), '');
}

function duBytes(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) n += fs.statSync(path.join(e.parentPath, e.name)).size;
  return n;
}

/** Runs a command under /usr/bin/time; returns wall seconds and peak RSS (KiB). */
function timed(cmd: string, argv: string[], env: NodeJS.ProcessEnv): Promise<{ seconds: number; rssKiB: number; out: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('/usr/bin/time', ['-f', 'RSS_KIB=%M', cmd, ...argv], { env: { ...process.env, ...env }, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => {
      const seconds = (performance.now() - t0) / 1000;
      if (code !== 0) return reject(new Error(`${cmd} exited ${code}: ${err.slice(-2000)}`));
      resolve({ seconds, rssKiB: Number(/RSS_KIB=(\d+)/.exec(err)?.[1] ?? 0), out });
    });
  });
}

makeDataset();
const total = duBytes(data);
const mb = total / 1e6;
console.log(`dataset: ${data}, ${(total / 2 ** 20).toFixed(0)} MiB, ${os.availableParallelism()} cores, node ${process.version}`);

const resticRepo = path.join(work, 'restic-repo');
const lifeboatRepo = path.join(work, 'lifeboat-repo');
fs.rmSync(resticRepo, { recursive: true, force: true });
fs.rmSync(lifeboatRepo, { recursive: true, force: true });

const renv = { RESTIC_PASSWORD: PASSWORD };
await timed('restic', ['init', '-q', '--repository-version', '2', '-r', resticRepo], renv);
const lenv = { LIFEBOAT_PASSWORD: PASSWORD };
await timed(process.execPath, ['bin/lifeboat.js', '-r', lifeboatRepo, 'repo', 'init'], lenv);

// Warm the page cache for both alike.
for (const e of fs.readdirSync(data, { withFileTypes: true, recursive: true })) if (e.isFile()) fs.readFileSync(path.join(e.parentPath, e.name));

const r = await timed('restic', ['--no-cache', '-r', resticRepo, 'backup', '-q', data], renv);
const l = await timed(process.execPath, ['bin/lifeboat.js', '-r', lifeboatRepo, 'repo', 'backup-path', data], lenv);
const l2 = await timed(process.execPath, ['bin/lifeboat.js', '-r', lifeboatRepo, 'repo', 'backup-path', data], lenv);
const r2 = await timed('restic', ['--no-cache', '-r', resticRepo, 'backup', '-q', data], renv);

const row = (name: string, x: { seconds: number; rssKiB: number }, repo: string) =>
  `${name.padEnd(28)} ${x.seconds.toFixed(2).padStart(7)} s ${(mb / x.seconds).toFixed(0).padStart(6)} MB/s ${(x.rssKiB / 1024).toFixed(0).padStart(6)} MiB peak RSS  repo ${(duBytes(repo) / 2 ** 20).toFixed(0)} MiB`;
console.log(row('restic 0.14 backup', r, resticRepo));
console.log(row('lifeboat backup-path', l, lifeboatRepo));
console.log(`ratio lifeboat/restic throughput: ${(r.seconds / l.seconds).toFixed(2)}x`);
console.log(`unchanged re-backup (both skip unchanged files by their parent snapshot): restic ${r2.seconds.toFixed(2)} s, lifeboat ${l2.seconds.toFixed(2)} s, ratio ${(r2.seconds / l2.seconds).toFixed(2)}x`);
if (!keep) {
  fs.rmSync(resticRepo, { recursive: true, force: true });
  fs.rmSync(lifeboatRepo, { recursive: true, force: true });
}
