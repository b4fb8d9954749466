// `npm run bench`: every benchmark, one after the other (they would compete for the 2 cores),
// each printing lifeboat's figures, the reference tool's from the same run, and the ratio.
//   npm run bench [-- --only repository|backup|index|tui]
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const BENCHES: { name: string; file: string; what: string }[] = [
  { name: 'repository', file: 'bench/repository.ts', what: 'volume data against restic 0.14: backup, re-backup, restore, start-up' },
  { name: 'backup', file: 'bench/backup.ts', what: 'the Kubernetes-objects job against kubectl, the etcd job against etcdctl + restic (needs root: starts a lab)' },
  { name: 'index', file: 'bench/index.ts', what: 'a generated index of 1,000,000 blobs: open time and memory a blob, against restic list blobs' },
  { name: 'tui', file: 'bench/tui.tsx', what: 'the TUI with 20,000 inventory rows: time from a key to its frame, peak RSS' },
];
const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
if (only !== undefined && !BENCHES.some((b) => b.name === only)) {
  console.error(`bench: no benchmark '${only}': pick one of ${BENCHES.map((b) => b.name).join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const b of BENCHES.filter((b) => !only || b.name === only)) {
  console.log(`\n== ${b.name}: ${b.what}`);
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'run-ts.js'), path.join(ROOT, b.file)], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`bench: ${b.name} failed (exit ${r.status ?? r.signal})`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
