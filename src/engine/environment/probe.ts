import https from 'node:https';
import Docker from 'dockerode';
import { DeadlineError, requestDeadlineMs } from '../deadline.ts';
import type { KubeTarget } from '../kube/kubeconfig.ts';
import { sourceModules } from '../sources/registry.ts';
import type { Endpoint } from './endpoints.ts';

export interface ProbeResult extends Endpoint {
  ok: boolean;
  /** What answered (a version) or why it did not, in a few words. */
  detail: string;
}

async function probeCluster(kube: KubeTarget, timeoutMs: number): Promise<string> {
  const opts: https.RequestOptions = {};
  await kube.kubeConfig.applyToHTTPSOptions(opts);
  const url = new URL('/version', kube.server);
  const body = await new Promise<string>((resolve, reject) => {
    const req = https.request(url, { ...opts, method: 'GET', timeout: timeoutMs }, (res) => {
      let data = '';
      res.on('data', (c) => (data += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(data) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
  return `Kubernetes ${(JSON.parse(body) as { gitVersion?: string }).gitVersion ?? '?'}`;
}

/**
 * A Docker client with the request deadline (an idle one: a long image load that keeps moving
 * is not cut); a call the engine never answers fails with a DeadlineError naming it.
 */
export function dockerClient(host: string): Docker {
  const ms = requestDeadlineMs();
  let docker: Docker;
  if (host.startsWith('unix://')) docker = new Docker({ socketPath: host.slice('unix://'.length), timeout: ms });
  else {
    const u = new URL(host.replace(/^tcp:/, 'http:'));
    docker = new Docker({ host: u.hostname, port: Number(u.port || 2375), protocol: u.protocol === 'https:' ? 'https' : 'http', timeout: ms });
  }
  // docker-modem ends a timed-out request with a bare "socket hang up": say what it was.
  const modem = docker.modem as unknown as { dial(o: { method?: string; path?: string }, cb: (err: unknown, data: unknown) => void): unknown };
  const dial = modem.dial.bind(modem);
  modem.dial = (o, cb) => {
    let last = Date.now();
    return dial(o, (err, data) => {
      const hungUp = err && /socket hang up|ECONNRESET/.test(String((err as Error).message ?? err));
      cb(hungUp && Date.now() - last >= ms - 100 ? new DeadlineError(`Docker ${o.method ?? 'GET'} ${String(o.path ?? '').split('?')[0]} on ${host}`, ms) : err, data);
      last = Date.now();
    });
  };
  return docker;
}

async function probeOne(ep: Endpoint, kube: KubeTarget | undefined, timeoutMs: number): Promise<string> {
  const signal = AbortSignal.timeout(timeoutMs);
  if (ep.kind === 'cluster') return probeCluster(kube!, timeoutMs);
  if (ep.kind === 'docker') {
    const docker = dockerClient(ep.address);
    const v = await Promise.race([
      docker.version(),
      new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
    ]);
    return `Docker ${v.Version}`;
  }
  const source = sourceModules().find((s) => s.endpoints?.kind === ep.kind);
  if (!source) throw new Error(`no source probes endpoints of kind ${ep.kind}`);
  return source.endpoints!.probe(ep, { timeoutMs, signal });
}

/** Checks that each source answers, in parallel, each within `timeoutMs`. Never throws. */
export async function probeEndpoints(
  endpoints: Endpoint[],
  kube: KubeTarget | undefined,
  timeoutMs = 3000,
): Promise<ProbeResult[]> {
  return Promise.all(
    endpoints.map(async (ep) => {
      try {
        return { ...ep, ok: true, detail: await probeOne(ep, kube, timeoutMs) };
      } catch (e) {
        const err = e as Error & { cause?: { code?: string; message?: string } };
        const why = err.cause?.code ?? err.cause?.message ?? (err.name === 'TimeoutError' ? `no answer in ${timeoutMs} ms` : err.message);
        return { ...ep, ok: false, detail: String(why).split('\n')[0]! };
      }
    }),
  );
}
