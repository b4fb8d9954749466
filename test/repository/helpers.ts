// Shared by the repository tests: a generated folder tree, runners for `restic` and the lifeboat
// command, and a comparison of two trees (bytes, modes, times, symlinks).
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const PASSWORD = 'correct horse battery staple';

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `lifeboat-${prefix}-`));
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, opts: { cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, cwd: opts.cwd ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
  });
}

/** Runs `node bin/lifeboat.js ARGS` with the test password in the environment. */
export function lifeboat(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return run(process.execPath, [path.join(ROOT, 'bin', 'lifeboat.js'), ...args], { LIFEBOAT_PASSWORD: PASSWORD, ...env });
}

/** Runs the real restic with the test password; a missing restic fails the test. */
export function restic(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return run('restic', ['--no-cache', ...args], { RESTIC_PASSWORD: PASSWORD, ...env });
}

export function must(r: RunResult, what: string): RunResult {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}\nstdout: ${r.stdout.slice(-2000)}\nstderr: ${r.stderr.slice(-2000)}`);
  return r;
}

/** Deterministic pseudo-random bytes (fast: AES-CTR keystream). */
export function pseudoRandom(n: number, seed: string): Buffer {
  const key = crypto.createHash('sha256').update(seed).digest();
  const c = crypto.createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return c.update(Buffer.alloc(n));
}

const T2020 = new Date('2020-02-29T12:34:56.789Z');

export interface DatasetOptions {
  bigFile?: number;
  smallFiles?: number;
}

/**
 * The test tree: nested dirs, empty files, one big file of random bytes, many small files (text
 * and random), symlinks (relative, inside the tree), odd names, varied modes and times.
 */
export function makeDataset(dir: string, opts: DatasetOptions = {}): void {
  const big = opts.bigFile ?? 100 * 1024 * 1024;
  const small = opts.smallFiles ?? 5000;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'big.bin'), pseudoRandom(big, 'big'));
  fs.writeFileSync(path.join(dir, 'empty'), '');
  fs.mkdirSync(path.join(dir, 'nested/a/b/c/d'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'nested/a/b/c/d/deep.txt'), 'deep\n'.repeat(1000));
  fs.writeFileSync(path.join(dir, 'nested/a/empty-too'), '');
  fs.mkdirSync(path.join(dir, 'nested/empty-dir'));
  const noise = pseudoRandom(small * 64, 'noise');
  for (let i = 0; i < small; i++) {
    const sub = path.join(dir, 'small', String(i % 50).padStart(2, '0'));
    if (i < 50) fs.mkdirSync(sub, { recursive: true });
    const content =
      i % 3 === 0
        ? noise.subarray(i * 64, i * 64 + 1 + (i % 4000))
        : `file ${i}\n${'kubernetes: yaml, apiVersion: v1, kind: ConfigMap\n'.repeat(1 + (i % 40))}`;
    fs.writeFileSync(path.join(sub, `f${i}.txt`), content);
  }
  // A mid-size text file, compressible, several chunks.
  fs.writeFileSync(path.join(dir, 'log.txt'), Array.from({ length: 120_000 }, (_, i) => `${i} INFO request handled in ${i % 97} ms path=/api/v1/pods/${i % 1000}`).join('\n'));
  const odd = path.join(dir, 'odd names');
  fs.mkdirSync(odd);
  for (const name of ['with space', 'ünïcödé ✓', 'quote"s and \'apostrophes\'', 'tab\there', '-leading-dash', 'back\\slash', '<html>&amp;', 'emoji 🚀', 'new\nline']) {
    fs.writeFileSync(path.join(odd, name), `content of ${name}\n`);
  }
  fs.symlinkSync('big.bin', path.join(dir, 'link-to-big'));
  fs.symlinkSync('../../empty', path.join(dir, 'nested/a/link-up'));
  fs.symlinkSync('nested/a/b', path.join(dir, 'link-to-dir'));
  fs.symlinkSync('does-not-exist', path.join(dir, 'dangling'));
  // Modes and times.
  fs.chmodSync(path.join(dir, 'nested/a/b/c/d/deep.txt'), 0o600);
  fs.writeFileSync(path.join(dir, 'script.sh'), '#!/bin/sh\necho hi\n');
  fs.chmodSync(path.join(dir, 'script.sh'), 0o755);
  fs.writeFileSync(path.join(dir, 'readonly'), 'ro\n');
  fs.chmodSync(path.join(dir, 'readonly'), 0o444);
  fs.chmodSync(path.join(dir, 'nested/a/b'), 0o750);
  fs.utimesSync(path.join(dir, 'empty'), T2020, T2020);
  fs.utimesSync(path.join(dir, 'script.sh'), T2020, new Date('2001-09-09T01:46:40.123Z'));
  fs.lutimesSync(path.join(dir, 'dangling'), T2020, T2020);
  fs.utimesSync(path.join(dir, 'nested/a/b/c'), T2020, T2020);
}

export interface Entry {
  type: string;
  mode: number;
  size: number;
  mtimeUs: bigint;
  hash?: string;
  link?: string;
}

function fileHash(p: string): string {
  const h = crypto.createHash('sha256');
  const fd = fs.openSync(p, 'r');
  const buf = Buffer.allocUnsafe(4 * 1024 * 1024);
  for (;;) {
    const n = fs.readSync(fd, buf, 0, buf.length, null);
    if (n === 0) break;
    h.update(buf.subarray(0, n));
  }
  fs.closeSync(fd);
  return h.digest('hex');
}

/** Every entry under `dir` by relative path: type, permission bits, size, mtime (µs), content hash. */
export function describeTree(dir: string): Map<string, Entry> {
  const out = new Map<string, Entry>();
  const walk = (d: string, rel: string) => {
    for (const name of fs.readdirSync(d)) {
      const p = path.join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = fs.lstatSync(p, { bigint: true });
      const e: Entry = {
        type: st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'file',
        mode: Number(st.mode) & 0o7777,
        size: st.isFile() ? Number(st.size) : 0,
        mtimeUs: st.mtimeNs / 1000n,
      };
      if (st.isFile()) e.hash = fileHash(p);
      if (st.isSymbolicLink()) {
        e.link = fs.readlinkSync(p);
        e.mode = 0; // symlink permission bits are not portable
      }
      out.set(r, e);
      if (st.isDirectory()) walk(p, r);
    }
  };
  walk(dir, '');
  return out;
}

/** Differences between two described trees, one line each (empty when identical). */
export function diffTrees(a: Map<string, Entry>, b: Map<string, Entry>, opts: { times?: boolean } = {}): string[] {
  const out: string[] = [];
  for (const [p, ea] of a) {
    const eb = b.get(p);
    if (!eb) {
      out.push(`missing: ${p}`);
      continue;
    }
    for (const k of ['type', 'mode', 'size', 'hash', 'link'] as const) {
      if (ea[k] !== eb[k]) out.push(`${p}: ${k} ${String(ea[k])} != ${String(eb[k])}`);
    }
    if (opts.times !== false && ea.mtimeUs !== eb.mtimeUs) out.push(`${p}: mtime ${ea.mtimeUs} != ${eb.mtimeUs}`);
  }
  for (const p of b.keys()) if (!a.has(p)) out.push(`extra: ${p}`);
  return out;
}

/** Total bytes of the files under `dir`. */
export function duBytes(dir: string): number {
  let n = 0;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) n += fs.statSync(p).size;
    }
  };
  walk(dir);
  return n;
}
