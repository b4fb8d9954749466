#!/usr/bin/env node
// The lifeboat command. The sources are TypeScript run through tsx, so `npm ci` alone
// leaves a working command (no build step to forget).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
