/** One real etcd and one lab API server per test file, and the real kubectl against them. */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { makeCertificates } from '../../src/lab/kube-apiserver/certs.ts';
import { writeKubeconfig } from '../../src/lab/kube-apiserver/kubeconfig.ts';
import { DEFAULT_TOKENS, startApiServer, type ApiServer, type ApiServerOptions } from '../../src/lab/kube-apiserver/server.ts';
import { stopGroup } from '../../src/lab/process.ts';
import type { ServiceState } from '../../src/lab/service.ts';
import { startEtcd } from '../../src/lab/services/etcd.ts';

export interface Cluster {
  dir: string;
  etcd: ServiceState;
  server: ApiServer;
  caCert: string;
  kubeconfig: string;
  readonlyKubeconfig: string;
  kubectl(args: string[], opts?: { input?: string; kubeconfig?: string }): Promise<{ code: number; stdout: string; stderr: string }>;
  /** One HTTPS request (admin token unless `token` says otherwise; null: none). */
  request(method: string, path: string, body?: unknown, opts?: { token?: string | null; contentType?: string; raw?: Buffer | string }): Promise<{ status: number; headers: Record<string, unknown>; json: any; text: string }>;
  /** Polls `check` until it returns a value (not undefined/false), or fails after `timeoutMs`. */
  until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs?: number): Promise<T>;
  /** Restarts the API server (on another etcd URL if given), keeping files and kubeconfigs. */
  restartServer(etcdUrl?: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startCluster(name: string, extra: Partial<ApiServerOptions> = {}): Promise<Cluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `lifeboat-kube-${name}-`));
  const lab = { dir, owner: process.pid, started: new Map(), kubeconfig: path.join(dir, 'kubeconfig') };
  const etcd = await startEtcd(lab);
  const certs = makeCertificates(path.join(dir, 'pki'));
  const caCert = fs.readFileSync(certs.caCert, 'utf8');
  const tls = { cert: fs.readFileSync(certs.cert), key: fs.readFileSync(certs.key) };
  const options = { tls, caCert, volumesDir: path.join(dir, 'volumes'), ...extra };
  let server = await startApiServer({ etcd: etcd.address, ...options });
  const kubeconfig = path.join(dir, 'kubeconfig');
  const readonlyKubeconfig = path.join(dir, 'kubeconfig-readonly');
  const writeConfigs = () => {
    writeKubeconfig(kubeconfig, server.url, caCert, DEFAULT_TOKENS.admin);
    writeKubeconfig(readonlyKubeconfig, server.url, caCert, DEFAULT_TOKENS.readonly);
  };
  writeConfigs();
  const cluster: Cluster = {
    dir,
    etcd,
    server,
    caCert,
    kubeconfig,
    readonlyKubeconfig,
    kubectl: (args, opts = {}) =>
      new Promise((resolve) => {
        const child = execFile(
          'kubectl',
          ['--kubeconfig', opts.kubeconfig ?? kubeconfig, ...args],
          { env: { ...process.env, HOME: dir, KUBECACHEDIR: path.join(dir, 'kubecache') }, maxBuffer: 64 * 1024 * 1024 },
          (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
        // kubectl may exit without reading its input (a refusal, or no -f -): not the test's error.
        child.stdin!.on('error', () => undefined);
        if (opts.input !== undefined) child.stdin!.end(opts.input);
        else child.stdin!.end();
      }),
    request: (method, urlPath, body, opts = {}) =>
      new Promise((resolve, reject) => {
        const token = opts.token === undefined ? DEFAULT_TOKENS.admin : opts.token;
        const payload = opts.raw ?? (body === undefined ? undefined : JSON.stringify(body));
        const req = https.request(
          `${server.url}${urlPath}`,
          {
            method,
            ca: caCert,
            headers: {
              ...(token ? { Authorization: `Bearer ${token}` } : {}),
              ...(payload !== undefined ? { 'Content-Type': opts.contentType ?? 'application/json' } : {}),
              Accept: 'application/json',
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              let json: unknown;
              try {
                json = JSON.parse(text);
              } catch {
                json = undefined;
              }
              resolve({ status: res.statusCode ?? 0, headers: res.headers, json, text });
            });
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(payload);
      }),
    until: async (what, check, timeoutMs = 20_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const v = await check();
        if (v !== undefined && v !== false) return v as never;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    restartServer: async (etcdUrl) => {
      await server.close();
      server = await startApiServer({ etcd: etcdUrl ?? etcd.address, ...options, port: server.port });
      cluster.server = server;
      writeConfigs();
    },
    stop: async () => {
      await server.close().catch(() => undefined);
      await stopGroup(etcd.pid);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return cluster;
}
