// The in-cluster controller (`lifeboat controller`, the Deployment's pods): it serves /healthz
// and /metrics, and while it holds the coordination Lease it is the one coordinator.
import http from 'node:http';
import type { KubeClient } from '../kube/client.ts';
import { runElected } from './lease.ts';
import { CONTROLLER_LEASE } from './manifests.ts';

export interface ControllerOptions {
  kube: () => KubeClient;
  namespace: string;
  identity: string;
  port: number;
  signal: AbortSignal;
  log(line: string): void;
  /** Lease timing (client-go's defaults are 15 s / 2 s). */
  leaseSeconds?: number;
  retryMs?: number;
  /** Work done while leading; aborted when the lease is lost. */
  lead?(leading: AbortSignal): Promise<void>;
  /** The metrics text (Prometheus exposition format). */
  metrics?(): Promise<string> | string;
}

export async function runController(o: ControllerOptions): Promise<void> {
  let leader = false;
  const server = http.createServer((req, res) => {
    void (async () => {
      if (req.url === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
        return;
      }
      if (req.url === '/metrics') {
        const text = `# HELP lifeboat_controller_leader Whether this controller holds the coordination lease.\n# TYPE lifeboat_controller_leader gauge\nlifeboat_controller_leader ${leader ? 1 : 0}\n${(await o.metrics?.()) ?? ''}`;
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(text);
        return;
      }
      res.writeHead(404).end();
    })().catch((e) => res.writeHead(500).end(String((e as Error).message)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, resolve);
  });
  o.log(`controller ${o.identity}: metrics on :${o.port}/metrics`);
  try {
    await runElected(
      o.kube,
      { namespace: o.namespace, name: CONTROLLER_LEASE, identity: o.identity, durationSeconds: o.leaseSeconds ?? 15, retryMs: o.retryMs ?? 2000 },
      o.signal,
      async (leading) => {
        leader = true;
        leading.addEventListener('abort', () => (leader = false), { once: true });
        await o.lead?.(leading);
      },
      o.log,
    );
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
}
