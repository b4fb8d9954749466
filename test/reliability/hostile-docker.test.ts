// Crafted snapshots restored into real Docker volumes (the lab's dockerd): a setuid folder then a
// link of its name to a file outside, an absolute link, and a volume name Docker would never
// make. Nothing outside the volume changes; the link is made as a link.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dockerClient } from '../../src/engine/environment/probe.ts';
import { LocalBackend, Repository } from '../../src/engine/repository/index.ts';
import { planRestore } from '../../src/engine/restore/plan.ts';
import { runRestore } from '../../src/engine/restore/restore.ts';
import type { RestoreTarget } from '../../src/engine/restore/types.ts';
import { labConfig, startLab, type Lab } from '../../src/lab/lab.ts';
import { describeTree, PASSWORD, tmpDir } from '../repository/helpers.ts';
import { craftSnapshot, dir, file, link } from './hostile.ts';

let lab: Lab;
let work: string;
let repo: Repository;
let target: RestoreTarget;

beforeAll(async () => {
  lab = await startLab({ owner: process.pid, services: ['dockerd'] });
  work = tmpDir('hostile-docker');
  repo = await Repository.init(new LocalBackend(path.join(work, 'repo')), PASSWORD);
  const host = labConfig(lab.state).docker!.host!;
  target = { docker: dockerClient(host), dockerHost: host };
});

afterAll(async () => {
  await repo?.close();
  await lab?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

it('into a Docker volume: the twin folder and link, an absolute link, a name Docker refuses; nothing outside changes', async () => {
  const outside = path.join(work, 'outside');
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'victim'), 'precious\n');
  fs.chmodSync(path.join(outside, 'victim'), 0o644);
  const before = describeTree(outside);
  const name = `hostile-${process.pid}`;
  const id = await craftSnapshot(repo, [
    dir('volumes', [
      dir('docker', [
        dir(name, [dir('x', [], { mode: 0o6777, mtime: '2001-09-09T01:46:40Z' }), link('x', path.join(outside, 'victim')), link('abs', '/etc/hostname'), file('data', 'data\n')]),
        dir('..', [file('planted', 'pwned\n')]),
        dir('-bad name', [file('planted', 'pwned\n')]),
      ]),
    ]),
  ]);
  const snapshot = await repo.findSnapshot(id);
  const plan = await planRestore({ repo, snapshot, scope: { sources: ['volumes'] }, target, options: { existingPolicy: 'update' } });
  const report = await runRestore({ repo, snapshot, plan, target });
  expect([...describeTree(outside).entries()]).toEqual([...before.entries()]);
  const mine = report.items.find((i) => i.title === `Docker volume ${name}`)!;
  // The twin is refused (a name twice in one folder), so the volume reports a failure naming it.
  expect(mine.outcome).toBe('failed');
  expect(mine.reason).toMatch(/\/x: the name appears more than once/);
  const failed = report.items.filter((i) => i.outcome === 'failed' && i !== mine);
  expect(failed).toHaveLength(2);
  expect(failed.every((i) => /refused/.test(i.reason ?? ''))).toBe(true);
  const mountpoint = (await target.docker!.getVolume(name).inspect()).Mountpoint;
  expect(fs.readlinkSync(path.join(mountpoint, 'abs'))).toBe('/etc/hostname');
  expect(fs.readFileSync(path.join(mountpoint, 'data'), 'utf8')).toBe('data\n');
  expect(fs.existsSync(path.join(mountpoint, 'x'))).toBe(false);
  expect(fs.existsSync(path.join(path.dirname(path.dirname(mountpoint)), 'planted'))).toBe(false);
  expect((await target.docker!.listVolumes()).Volumes.map((v) => v.Name)).not.toContain('-bad name');
});
