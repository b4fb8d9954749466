// A server that accepts connections and never answers (a hung API server, a frozen etcd):
// `backup` and `inventory` end within their deadline naming the reason, and the first ctrl-c
// ends a backup within 2 s. Every service lifeboat talks to is pointed at such servers.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.ts';
import { run, tmpDir } from '../repository/helpers.ts';

let work: string;
let server: net.Server;
const sockets = new Set<net.Socket>();
let port: number;
let accepted = 0;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  work = tmpDir('silent');
  // Accepts, reads, never writes a byte.
  server = net.createServer((s) => {
    accepted++;
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as net.AddressInfo).port;
  const at = `127.0.0.1:${port}`;
  fs.writeFileSync(
    path.join(work, 'kubeconfig'),
    `apiVersion: v1
kind: Config
clusters: [{name: hung, cluster: {server: "https://${at}", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: not-a-secret}}]
contexts: [{name: hung, context: {cluster: hung, user: u}}]
current-context: hung
`,
  );
  fs.writeFileSync(path.join(work, 'password'), 'pw\n');
  fs.writeFileSync(
    path.join(work, 'lifeboat.yaml'),
    `cluster: {kubeconfig: ${path.join(work, 'kubeconfig')}}
repository: {url: ${path.join(work, 'repo')}, passwordFile: ${path.join(work, 'password')}}
docker: {host: "tcp://${at}"}
etcd: {endpoints: ["http://${at}"]}
prometheus: [{url: "http://${at}"}]
registries: [{url: "http://${at}"}]
`,
  );
  env = { LIFEBOAT_CONFIG: path.join(work, 'lifeboat.yaml'), HOME: work, KUBECONFIG: '' };
  const init = await run(process.execPath, [BIN, 'repo', 'init'], env);
  if (init.code !== 0) throw new Error(init.stderr);
});

afterAll(() => {
  for (const s of sockets) s.destroy();
  server.close();
  fs.rmSync(work, { recursive: true, force: true });
});

it('backup against servers that never answer ends within its deadline, naming the reason', async () => {
  const started = Date.now();
  const r = await run(process.execPath, [BIN, '--request-timeout', '2', 'backup'], env);
  const seconds = (Date.now() - started) / 1000;
  expect(r.code, r.stdout + r.stderr).not.toBe(0);
  // Every job fails naming its server and the deadline, well before the old 11-minute hang.
  expect(r.stdout + r.stderr).toMatch(/Kubernetes GET \/\S* on 127\.0\.0\.1:\d+: no answer within the 2 s deadline/);
  expect(r.stdout + r.stderr).toMatch(/etcd .*no answer within the 2 s deadline/);
  expect(r.stdout + r.stderr).toMatch(/Prometheus .*no answer within the 2 s deadline/);
  // The volumes job could not see the cluster's volumes: it says so, never "OK".
  expect(r.stdout).toMatch(/FAILED volumes .*PersistentVolumes could not be listed \(Kubernetes GET .*2 s deadline/);
  expect(seconds).toBeLessThan(40);
});

it('inventory against a cluster that never answers ends in time, says its coverage is unknown and exits non-zero', async () => {
  const started = Date.now();
  const r = await run(process.execPath, [BIN, '--request-timeout', '2', 'inventory'], env);
  expect((Date.now() - started) / 1000).toBeLessThan(40);
  expect(r.code, r.stdout + r.stderr).toBe(1);
  expect(r.stdout + r.stderr).toMatch(/no answer within the 2 s deadline/);
  expect(r.stdout + r.stderr).toMatch(/coverage unknown/i);
});

it('the first ctrl-c ends a backup within 2 s', async () => {
  const child = spawn(process.execPath, [BIN, '--json', 'backup'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  // Wait until lifeboat is connected to a server that will never answer (the default 30 s deadline).
  const before = accepted;
  const deadline = Date.now() + 60_000;
  while (accepted === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(accepted).toBeGreaterThan(before);
  const sent = Date.now();
  child.kill('SIGINT');
  const code = await exited;
  expect(Date.now() - sent).toBeLessThan(2000);
  expect(code).not.toBe(0);
});
