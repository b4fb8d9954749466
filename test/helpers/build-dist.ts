// vitest's global setup: builds dist/ (incremental) before any test file runs, because tests spawn
// bin/lifeboat.js, which runs the compiled code: after a source edit it must not be stale.
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export default function setup(): void {
  const root = path.resolve(import.meta.dirname, '../..');
  execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
}
