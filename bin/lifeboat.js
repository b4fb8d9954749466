#!/usr/bin/env node
// The lifeboat command. The sources are TypeScript run through tsx, so `npm ci` alone
// leaves a working command (no build step to forget).
import { register } from 'tsx/esm/api';

register();
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
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
