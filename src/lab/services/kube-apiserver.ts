/**
 * The lab's Kubernetes API server as a lab service: needs etcd; makes the lab CA and serving
 * certificate, starts src/lab/kube-apiserver/main.ts as its own process, and writes the lab's
 * kubeconfig (context `lab`, CA embedded, admin token) and a read-only token file.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeCertificates } from '../kube-apiserver/certs.ts';
import { writeKubeconfig } from '../kube-apiserver/kubeconfig.ts';
import { LabError, labProgram, spawnService, waitReady } from '../process.ts';
import { servicePort, type LabContext, type ServiceDef, type ServiceState } from '../service.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** GET `url` over HTTPS trusting `ca`, with a bearer token; resolves to the status code. */
function httpsStatus(url: string, ca: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, headers: { Authorization: `Bearer ${token}` }, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

async function healthy(state: ServiceState): Promise<boolean> {
  const extra = state.extra ?? {};
  const ca = fs.readFileSync(extra.caCert, 'utf8');
  const token = JSON.parse(fs.readFileSync(extra.tokens, 'utf8')).admin as string;
  return (await httpsStatus(`${state.address}/readyz`, ca, token)) === 200;
}

export async function startKubeApiserver(lab: LabContext, opts: { name?: string; nodes?: string[] } = {}): Promise<ServiceState> {
  const name = opts.name ?? 'kube-apiserver';
  const etcd = lab.started.get('etcd');
  if (!etcd) throw new LabError(`${name}: needs the lab's etcd, which is not started: start it first ('lifeboat lab up' starts both)`);
  const dir = path.join(lab.dir, name);
  fs.mkdirSync(dir, { recursive: true });
  const certs = makeCertificates(dir);
  const tokensFile = path.join(dir, 'tokens.json');
  if (!fs.existsSync(tokensFile)) {
    const token = () => crypto.randomBytes(24).toString('base64url');
    fs.writeFileSync(tokensFile, JSON.stringify({ admin: token(), readonly: token() }), { mode: 0o600 });
  }
  const tokens = JSON.parse(fs.readFileSync(tokensFile, 'utf8')) as { admin: string; readonly: string };
  const readonlyTokenFile = path.join(dir, 'readonly.token');
  fs.writeFileSync(readonlyTokenFile, `${tokens.readonly}\n`, { mode: 0o600 });
  const port = await servicePort(lab, name);
  const volumes = path.join(dir, 'volumes');
  const log = path.join(dir, 'kube-apiserver.log');
  const program = labProgram('lab/kube-apiserver/main');
  const spawned = spawnService({
    service: name,
    program: program[0]!,
    args: [
      ...program.slice(1),
      '--port', String(port),
      '--etcd', etcd.address,
      '--dir', dir,
      '--tokens', tokensFile,
      '--volumes', volumes,
      ...(opts.nodes ? ['--nodes', opts.nodes.join(',')] : []),
    ],
    cwd: ROOT,
    logFile: log,
    owner: lab.owner,
  });
  const address = `https://127.0.0.1:${port}`;
  const state: ServiceState = {
    name,
    pid: spawned.pid,
    port,
    address,
    dir,
    log,
    extra: { caCert: certs.caCert, tokens: tokensFile, readonlyTokenFile, kubeconfig: lab.kubeconfig, volumes },
  };
  await waitReady(name, spawned, log, () => healthy(state));
  writeKubeconfig(lab.kubeconfig, address, fs.readFileSync(certs.caCert, 'utf8'), tokens.admin);
  return state;
}

export const kubeApiserverService: ServiceDef = {
  name: 'kube-apiserver',
  needs: ['etcd'],
  start: (lab) => startKubeApiserver(lab, { nodes: lab.nodes }),
  health: (state) => healthy(state).catch(() => false),
};
