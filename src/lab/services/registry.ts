import fs from 'node:fs';
import path from 'node:path';
import { httpOk, spawnService, waitReady } from '../process.ts';
import { servicePort, type LabContext, type ServiceDef, type ServiceState } from '../service.ts';

/** Starts a container registry (distribution 2.8, plain HTTP on loopback) storing in the lab. */
export async function startRegistry(lab: LabContext, opts: { name?: string } = {}): Promise<ServiceState> {
  const name = opts.name ?? 'registry';
  const dir = path.join(lab.dir, name);
  fs.mkdirSync(dir, { recursive: true });
  const port = await servicePort(lab, name);
  const storage = path.join(dir, 'storage');
  const config = path.join(dir, 'config.yml');
  fs.writeFileSync(
    config,
    [
      'version: 0.1',
      'log: { level: info }',
      `storage: { filesystem: { rootdirectory: ${JSON.stringify(storage)} }, delete: { enabled: true } }`,
      `http: { addr: 127.0.0.1:${port} }`,
      '',
    ].join('\n'),
  );
  const url = `http://127.0.0.1:${port}`;
  const log = path.join(dir, 'registry.log');
  const spawned = spawnService({ service: name, program: 'docker-registry', args: ['serve', config], logFile: log, owner: lab.owner });
  await waitReady(name, spawned, log, () => httpOk(`${url}/v2/`));
  return { name, pid: spawned.pid, port, address: url, dir, log, extra: { storage, config } };
}

export const registryService: ServiceDef = {
  name: 'registry',
  start: (lab) => startRegistry(lab),
  health: (state) => httpOk(`${state.address}/v2/`),
};
