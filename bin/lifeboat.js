#!/usr/bin/env node
// The lifeboat command: runs the compiled JavaScript in dist/ (built by `npm ci` through
// `prepare`, by `npm test`, and by `npm run build`), so no TypeScript compiler runs at start.
import fs from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!fs.existsSync(entry)) {
  process.stderr.write("lifeboat: not built (dist/cli/main.js is missing): run 'npm run build' in lifeboat's folder (npm ci does it)\n");
  process.exit(2);
}
// `lifeboat snapshots | head`: a reader that goes away is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}
// The first ctrl-c cancels: main() aborts every job and call. Whatever has not ended 1.5 s later
// (a library call that ignores its signal) is cut off, so a cancel always ends within 2 s; a
// second ctrl-c ends at once. Stale-lock rules (restic's) release a lock left this way.
let interrupts = 0;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (++interrupts > 1) process.exit(130);
    setTimeout(() => {
      process.stderr.write('lifeboat: interrupted: stopped\n');
      process.exit(130);
    }, 1500).unref();
  });
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
