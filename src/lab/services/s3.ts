/**
 * An S3 server for the lab (s3rver on loopback, plain HTTP, path-style buckets): the shared store
 * for repositories written from inside the cluster, and the home of the buckets applications use.
 * Buckets made at start: `lifeboat` (repositories) and `app-data` (an application's objects).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnService, waitReady } from '../process.ts';
import { servicePort, type LabContext, type ServiceDef, type ServiceState } from '../service.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const LAB_S3_BUCKETS = ['lifeboat', 'app-data'];
/** s3rver's fixed credentials (not secret: the lab's S3 is on loopback only). */
export const LAB_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** Whether something answers HTTP on the port (s3rver answers an unsigned GET / with a 403 body). */
async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.status > 0;
  } catch {
    return false;
  }
}

export async function startS3(lab: LabContext, opts: { name?: string } = {}): Promise<ServiceState> {
  const name = opts.name ?? 's3';
  const dir = path.join(lab.dir, name);
  const data = path.join(dir, 'data');
  fs.mkdirSync(data, { recursive: true });
  const port = await servicePort(lab, name);
  const url = `http://127.0.0.1:${port}`;
  const log = path.join(dir, 's3.log');
  const spawned = spawnService({
    service: name,
    program: process.execPath,
    args: [path.join(ROOT, 'bin', 'run-ts.js'), path.join(ROOT, 'src', 'lab', 's3', 'main.ts'), '--port', String(port), '--dir', data, '--buckets', LAB_S3_BUCKETS.join(',')],
    cwd: ROOT,
    logFile: log,
    owner: lab.owner,
  });
  await waitReady(name, spawned, log, () => answers(`${url}/`));
  return { name, pid: spawned.pid, port, address: url, dir, log, extra: { data, buckets: LAB_S3_BUCKETS.join(','), accessKeyId: LAB_S3_CREDENTIALS.accessKeyId } };
}

export const s3Service: ServiceDef = {
  name: 's3',
  start: (lab) => startS3(lab),
  health: (state) => answers(`${state.address}/`),
};
