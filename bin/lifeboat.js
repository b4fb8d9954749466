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
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
