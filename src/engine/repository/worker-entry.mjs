// Entry of the write pipeline's worker threads: registers tsx (the sources are TypeScript), then
// loads the worker. Plain JavaScript, so it starts the same under vitest and under bin/lifeboat.js.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
