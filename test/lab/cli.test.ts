// `lifeboat lab up|status|env|down` through the real command, on one lab that outlives each command.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { stopLab } from '../../src/lab/lab.ts';
import { processesNaming } from '../../src/lab/process.ts';
import { LIFEBOAT, allListeningPorts, lifeboat, listeningPorts } from './helpers.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-cli-lab-'));
let labPorts: number[] = [];

afterAll(async () => {
  await stopLab(dir); // in case a test failed half-way
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('lifeboat lab', () => {
  it('up starts a lab that outlives the command; status lists ten healthy services (eight, the API server and a kubelet)', async () => {
    const up = await lifeboat(['lab', 'up', '--dir', dir]);
    expect(up.stderr + up.stdout).toContain(`lab up in ${dir}`);
    expect(up.code, up.stdout + up.stderr).toBe(0);

    const status = await lifeboat(['lab', 'status', '--dir', dir, '--json']);
    expect(status.code).toBe(0);
    const body = JSON.parse(status.stdout) as { healthy: boolean; services: { name: string; healthy: boolean; address: string }[] };
    expect(body.healthy).toBe(true);
    expect(body.services.map((s) => `${s.name} ${s.healthy}`)).toEqual([
      'etcd true',
      'kube-apiserver true',
      'dockerd true',
      'registry true',
      'prometheus true',
      'postgres true',
      's3 true',
      'mariadb true',
      'redis true',
      'kubelet-lab-node-1 true',
    ]);

    const text = await lifeboat(['lab', 'status', '--dir', dir]);
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n').filter((l) => l.startsWith('OK '))).toHaveLength(10);
    expect(body).toMatchObject({ nodes: [{ node: 'lab-node-1', pods: [] }] });
    expect(text.stdout).toMatch(/^ {2}lab-node-1\s+0 pods$/m);
    expect(fs.existsSync(path.join(dir, 'lifeboat.yaml'))).toBe(true);
  });

  it('up again says the lab is already up, and exits 0', async () => {
    const again = await lifeboat(['lab', 'up', '--dir', dir]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already up');
    const quiet = await lifeboat(['lab', 'up', '--dir', dir, '--quiet']);
    expect(quiet).toMatchObject({ code: 0, stdout: '' });
  });

  it('env prints export lines a shell can eval', async () => {
    const script = `eval "$("${process.execPath}" "${LIFEBOAT}" lab env --dir "${dir}")" && echo "$DOCKER_HOST|$ETCDCTL_API|$PGPORT|$LIFEBOAT_CONFIG"`;
    const { stdout } = await promisify(execFile)('/bin/sh', ['-c', script]);
    const [docker, api, pgport, config] = stdout.trim().split('|');
    expect(docker).toBe(`unix://${dir}/dockerd/docker.sock`);
    expect(api).toBe('3');
    expect(Number(pgport)).toBeGreaterThan(0);
    expect(config).toBe(path.join(dir, 'lifeboat.yaml'));
  });

  it('down leaves no process and no listening port behind', async () => {
    const pids = processesNaming(dir);
    expect(pids.length).toBeGreaterThanOrEqual(5);
    labPorts = listeningPorts(pids);
    expect(labPorts.length).toBeGreaterThanOrEqual(5); // etcd client and peer, registry, prometheus, postgres

    const down = await lifeboat(['lab', 'down', '--dir', dir]);
    expect(down.stderr).toBe('');
    expect(down.code).toBe(0);
    expect(down.stdout).toMatch(/lab down in .*: stopped (\S+, )*etcd\b/); // services stop at once, in no set order

    expect(processesNaming(dir)).toEqual([]);
    const open = allListeningPorts();
    expect(labPorts.filter((p) => open.has(p))).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'state.json'))).toBe(false);
  });

  it('down with nothing running exits 0; status then exits 1 and says how to start one', async () => {
    const down = await lifeboat(['lab', 'down', '--dir', dir]);
    expect(down).toMatchObject({ code: 0 });
    expect(down.stdout).toContain('no lab runs');
    const status = await lifeboat(['lab', 'status', '--dir', dir]);
    expect(status.code).toBe(1);
    expect(status.stderr.trim()).toBe(`lifeboat: no lab in ${dir}: start one with 'lifeboat lab up --dir ${dir}'`);
  });
});
