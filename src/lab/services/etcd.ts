import fs from 'node:fs';
import path from 'node:path';
import { freePort, spawnService, waitReady } from '../process.ts';
import { servicePort, type LabContext, type ServiceDef, type ServiceState } from '../service.ts';

async function healthy(url: string): Promise<boolean> {
  const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
  if (!res.ok) return false;
  const body = (await res.json()) as { health?: string };
  return body.health === 'true';
}

/** Starts etcd with its data in `dataDir` (a restore test starts it again on restored data). */
export async function startEtcd(lab: LabContext, opts: { dataDir?: string; name?: string } = {}): Promise<ServiceState> {
  const name = opts.name ?? 'etcd';
  const dir = path.join(lab.dir, name);
  fs.mkdirSync(dir, { recursive: true });
  const dataDir = opts.dataDir ?? path.join(dir, 'data');
  const [port, peer] = [await servicePort(lab, name), await freePort()];
  const url = `http://127.0.0.1:${port}`;
  const log = path.join(dir, 'etcd.log');
  const spawned = spawnService({
    service: name,
    program: 'etcd',
    args: [
      '--name', 'lab',
      '--data-dir', dataDir,
      '--listen-client-urls', url,
      '--advertise-client-urls', url,
      '--listen-peer-urls', `http://127.0.0.1:${peer}`,
      '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
      '--initial-cluster', `lab=http://127.0.0.1:${peer}`,
      '--quota-backend-bytes', String(4 * 1024 ** 3),
    ],
    env: { ...process.env, ETCD_UNSUPPORTED_ARCH: process.env.ETCD_UNSUPPORTED_ARCH ?? '' },
    logFile: log,
    owner: lab.owner,
  });
  await waitReady(name, spawned, log, () => healthy(url));
  return { name, pid: spawned.pid, port, address: url, dir, log, extra: { dataDir } };
}

export const etcdService: ServiceDef = {
  name: 'etcd',
  start: (lab) => startEtcd(lab),
  health: (state) => healthy(state.address).catch(() => false),
};
