// A lab dies with its owner, even when the owner is killed with SIGKILL and cannot clean up.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { stopLab } from '../../src/lab/lab.ts';
import { pidAlive, processesNaming } from '../../src/lab/process.ts';
import { ROOT, allListeningPorts, listeningPorts, waitFor } from './helpers.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-owned-lab-'));

afterAll(async () => {
  await stopLab(dir);
  fs.rmSync(dir, { recursive: true, force: true });
});

it('a lab whose owner is SIGKILLed is gone shortly after: no process, no container, no listening port', async () => {
  const owner = spawn(process.execPath, [path.join(ROOT, 'bin', 'run-ts.js'), path.join(ROOT, 'test', 'lab', 'fixtures', 'owner.ts'), dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  owner.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor('the owner to start its lab', () => out.includes('\n') || owner.exitCode !== null, 60_000);
  expect(out).toMatch(/^ready \{/);
  const { containerPid } = JSON.parse(out.slice('ready '.length)) as { containerPid: number };
  expect(pidAlive(containerPid)).toBe(true);

  const pids = processesNaming(dir);
  const ports = listeningPorts(pids);
  expect(ports.length).toBeGreaterThanOrEqual(5);
  owner.kill('SIGKILL');

  await waitFor('the lab to stop after its owner died', () => processesNaming(dir).length === 0, 30_000);
  await waitFor('the lab ports to close', () => {
    const open = allListeningPorts();
    return ports.every((p) => !open.has(p));
  }, 10_000);
  // The container's process names no lab folder: it went with the lab's cgroup.
  await waitFor('the container to be killed', () => !pidAlive(containerPid), 10_000);
  expect(fs.readFileSync(path.join(dir, 'reaper.log'), 'utf8')).toMatch(/owner \d+ died: stopped /);
});
