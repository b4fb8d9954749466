// Benchmark: a large repository's index. Generates a repository whose index names 1,000,000 blobs
// (restic's index files, 50,000 blobs each, over 10,000 packs; no pack data), then opens it in a
// fresh process and loads the whole index: the time, and the memory the in-memory index holds
// per blob (heap and native memory after a full collection, less what the process held before). The
// reference, in the same run: `restic list blobs` on the same repository (it loads the index too).
//
//   node bin/run-ts.js bench/index.ts [--blobs 1000000]
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalBackend } from '../src/engine/repository/backend/local.ts';
import { encodeIndexFile, INDEX_FILE_MAX_BLOBS, type IndexPack } from '../src/engine/repository/master-index.ts';
import { Repository } from '../src/engine/repository/repository.ts';

const args = process.argv.slice(2);
const PASSWORD = 'bench-index';
const ROOT = path.resolve(import.meta.dirname, '..');

if (args[0] === '--open') {
  // The measured side: a fresh process (started with --expose-gc).
  const gc = (globalThis as { gc?: () => void }).gc!;
  const repo = await Repository.open(new LocalBackend(args[1]!), PASSWORD);
  gc();
  const before = process.memoryUsage();
  const t0 = performance.now();
  const index = await repo.loadIndex();
  const seconds = (performance.now() - t0) / 1000;
  // Native buffers (zstd's output) are freed by finalizers after a collection: let them run.
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  const after = process.memoryUsage();
  const held = after.heapUsed + after.external - (before.heapUsed + before.external);
  if (args.includes('--detail')) console.error(before, after);
  console.log(JSON.stringify({ seconds, blobs: index.size, bytesPerBlob: held / index.size, rssMB: after.rss / 1e6 }));
  process.exit(0);
}

const blobs = Number(args[args.indexOf('--blobs') + 1] || 1_000_000) || 1_000_000;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-bench-index-'));

function run(cmd: string, argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ out: string; seconds: number; rssMB: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('/usr/bin/time', ['-f', 'RSS_KIB=%M', cmd, ...argv], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${cmd} exited ${code}: ${err.slice(-2000)}`));
      resolve({ out, seconds: (performance.now() - t0) / 1000, rssMB: (Number(/RSS_KIB=(\d+)/.exec(err)?.[1] ?? 0) * 1024) / 1e6 });
    });
  });
}

const keep = args.includes('--keep');
try {
  const dir = path.join(work, 'repo');
  const repo = await Repository.init(new LocalBackend(dir), PASSWORD);
  process.stderr.write(`writing an index of ${blobs} blobs...\n`);
  // Deterministic ids and sizes, about 100 blobs a pack, as a repository of small files has.
  let made = 0;
  let packNo = 0;
  while (made < blobs) {
    const packs: IndexPack[] = [];
    let inFile = 0;
    while (inFile < INDEX_FILE_MAX_BLOBS && made < blobs) {
      const n = Math.min(100, blobs - made, INDEX_FILE_MAX_BLOBS - inFile);
      const id = crypto.createHash('sha256').update(`pack ${packNo++}`).digest('hex');
      let offset = 0;
      const list = Array.from({ length: n }, (_, i) => {
        const length = 1000 + ((made + i) % 4000);
        const b = { id: crypto.createHash('sha256').update(`blob ${made + i}`).digest(), type: 'data' as const, offset, length, uncompressedLength: (made + i) % 2 ? length * 2 : 0 };
        offset += length;
        return b;
      });
      packs.push({ id, blobs: list });
      made += n;
      inFile += n;
    }
    await repo.saveUnpacked('index', encodeIndexFile(packs));
  }
  await repo.close();

  const ours = JSON.parse((await run(process.execPath, ['--expose-gc', path.join(ROOT, 'bin', 'run-ts.js'), path.join(ROOT, 'bench', 'index.ts'), '--open', dir])).out) as { seconds: number; blobs: number; bytesPerBlob: number; rssMB: number };
  if (ours.blobs !== blobs) throw new Error(`lifeboat loaded ${ours.blobs} blobs of ${blobs}`);
  const restic = await run('restic', ['--no-cache', '-r', dir, 'list', 'blobs'], { RESTIC_PASSWORD: PASSWORD });
  const listed = restic.out.split('\n').filter(Boolean).length;
  if (listed !== blobs) throw new Error(`restic listed ${listed} blobs of ${blobs}`);

  const rows: string[][] = [
    [`open the index of ${blobs.toLocaleString('en')} blobs`, `${ours.seconds.toFixed(2)} s`, `\`restic list blobs\` (whole command): ${restic.seconds.toFixed(2)} s`, `${(ours.seconds / restic.seconds).toFixed(2)}x the time`, '< 2 s', ours.seconds < 2 ? 'met' : 'NOT met'],
    ['memory the loaded index holds', `${ours.bytesPerBlob.toFixed(0)} bytes a blob (process RSS ${ours.rssMB.toFixed(0)} MB)`, `restic peak RSS ${restic.rssMB.toFixed(0)} MB`, `${(ours.rssMB / restic.rssMB).toFixed(2)}x (RSS)`, '< 100 bytes a blob', ours.bytesPerBlob < 100 ? 'met' : 'NOT met'],
  ];
  for (const r of rows) console.log(`  ${r[0]}: lifeboat ${r[1]}, reference ${r[2]}, ratio ${r[3]} (goal ${r[4]}): ${r[5]}`);
  console.log('\n| measure | lifeboat | reference | ratio | goal | verdict |\n| --- | --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
} finally {
  if (!keep) fs.rmSync(work, { recursive: true, force: true });
  else console.log(`kept ${work}`);
}
