// Stops a lab once its owner has died (a test run killed with SIGKILL, say).
// Started detached by startLab: node bin/run-ts.js src/lab/reaper.ts OWNER_PID LAB_DIR
import fs from 'node:fs';
import path from 'node:path';
import { STATE_FILE, stopLab } from './lab.ts';
import { pidAlive } from './process.ts';

const owner = Number(process.argv[2]);
const dir = process.argv[3];
if (!owner || !dir) {
  console.error('usage: reaper OWNER_PID LAB_DIR');
  process.exit(2);
}
const stateFile = path.join(dir, STATE_FILE);
for (;;) {
  if (!fs.existsSync(stateFile)) process.exit(0); // stopped by someone else
  if (!pidAlive(owner)) {
    const report = await stopLab(dir);
    console.log(`owner ${owner} died: stopped ${report.stopped.join(', ') || 'nothing'}; stragglers ${report.stragglers.length}`);
    process.exit(0);
  }
  await new Promise((r) => setTimeout(r, 250));
}
