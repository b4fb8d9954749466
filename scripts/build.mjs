// Compiles src/ into dist/ (what bin/lifeboat.js runs) and copies the files beside the sources
// that the code reads at run time (the lab's discovery documents). Incremental: a build with
// nothing changed takes a few seconds, so `npm test` and vitest's global setup can always run it
// and a test never spawns stale compiled code. Run by `npm ci` (prepare) and `npm run build`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const root = path.resolve(import.meta.dirname, '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (r.status !== 0) {
  console.error('lifeboat build: tsc failed (see above); dist/ is not up to date');
  process.exit(1);
}

function copyAssets(from, to) {
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, e.name);
    const dst = path.join(to, e.name);
    if (e.isDirectory()) copyAssets(src, dst);
    else if (!/\.(ts|tsx|mjs)$/.test(e.name)) {
      const s = fs.statSync(src);
      const d = fs.statSync(dst, { throwIfNoEntry: false });
      if (d && d.size === s.size && d.mtimeMs >= s.mtimeMs) continue;
      fs.mkdirSync(to, { recursive: true });
      fs.copyFileSync(src, dst);
    }
  }
}
copyAssets(path.join(root, 'src'), path.join(root, 'dist'));
