// A lab service that cannot start says which service, why, and what to do; and leaves nothing behind.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startLab } from '../../src/lab/lab.ts';
import { LabError, processesNaming, spawnService, waitReady } from '../../src/lab/process.ts';
import type { ServiceDef } from '../../src/lab/service.ts';
import { lifeboat } from './helpers.ts';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-fail-lab-'));
}

describe('a lab service that cannot start', () => {
  it('on a taken port: names the service, the port and the fix', async () => {
    const server = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as net.AddressInfo).port;
    const dir = tempDir();
    try {
      const error = await startLab({ dir, owner: process.pid, services: ['etcd', 'registry'], ports: { registry: port } }).catch((e) => e);
      expect(error).toBeInstanceOf(LabError);
      expect(error.message).toBe(`registry: port ${port} on 127.0.0.1 is taken: stop what listens there, or leave the port to the lab`);
      expect(processesNaming(dir)).toEqual([]); // etcd, started meanwhile, was stopped again
    } finally {
      server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with its program missing: `lab up` names each service and the package to install', async () => {
    const dir = tempDir();
    try {
      const run = await lifeboat(['lab', 'up', '--dir', dir], { ...process.env, PATH: path.join(dir, 'empty-bin') });
      expect(run.code).toBe(1);
      const lines = run.stderr.trim().split('\n');
      expect(lines).toContain("lifeboat: etcd: program 'etcd' is not installed: install it with 'apt-get install etcd-server'");
      expect(lines).toContain("lifeboat: registry: program 'docker-registry' is not installed: install it with 'apt-get install docker-registry'");
      expect(lines).toContain("lifeboat: prometheus: program 'prometheus' is not installed: install it with 'apt-get install prometheus'");
      expect(processesNaming(dir)).toEqual([]);
      expect(fs.existsSync(path.join(dir, 'state.json'))).toBe(false);
      const status = await lifeboat(['lab', 'status', '--dir', dir]);
      expect(status.code).toBe(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('that exits during start: names the service, its exit code and the tail of its log', async () => {
    const broken: ServiceDef = {
      name: 'broken',
      async start(lab) {
        const dir = path.join(lab.dir, 'broken');
        const log = path.join(dir, 'broken.log');
        const spawned = spawnService({
          service: 'broken',
          program: '/bin/sh',
          args: ['-c', 'echo starting; echo "fatal: the config is broken" >&2; exit 3'],
          logFile: log,
          owner: lab.owner,
        });
        await waitReady('broken', spawned, log, async () => false);
        return { name: 'broken', pid: spawned.pid, port: 0, address: '', dir, log };
      },
      health: async () => false,
    };
    const error = await startLab({ owner: process.pid, defs: [broken] }).catch((e) => e);
    expect(error).toBeInstanceOf(LabError);
    expect(error.message).toMatch(/^broken exited during start \(code 3\): starting \| fatal: the config is broken \(log: \/.*\/broken\/broken\.log\)$/);
  });

  it('unknown to the lab: says which services there are', async () => {
    await expect(startLab({ services: ['minio'] })).rejects.toThrow(
      "unknown lab service 'minio': the lab has etcd, kube-apiserver, dockerd, registry, prometheus, postgres, s3, mariadb, redis",
    );
  });
});
