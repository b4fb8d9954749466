// The kubelet's probe schedule on an injected clock, against real sockets: initialDelaySeconds,
// periodSeconds, failure and success thresholds, and startup probes gating the others.
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Prober, runProbe, type ExecInContainer } from '../../src/lab/kubelet/probes.ts';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

async function tcpServer(): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer((s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  closers.push(() => server.close());
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((r) => server.close(() => r())) };
}

const noExec: ExecInContainer = async () => {
  throw new Error('no exec here');
};

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (s: number) => (t += s * 1000) };
}

describe('the kubelet\'s prober', () => {
  it('waits initialDelaySeconds, then probes every periodSeconds; readiness turns false only after failureThreshold failures', async () => {
    const server = await tcpServer();
    const c = clock();
    const prober = new Prober(noExec, c.now);
    const container = { id: 'a', startedAt: c.now(), podIP: '127.0.0.1', spec: { name: 'app', readinessProbe: { tcpSocket: { port: server.port }, initialDelaySeconds: 5, periodSeconds: 2, failureThreshold: 2 } } };
    expect(prober.check(container)).toMatchObject({ started: true, ready: false });
    c.advance(4);
    prober.check(container);
    await prober.settled();
    expect(prober.check(container).ready).toBe(false); // still inside the initial delay: not probed
    c.advance(1);
    prober.check(container);
    await prober.settled();
    expect(prober.check(container).ready).toBe(true);
    await server.close();
    c.advance(1);
    prober.check(container);
    await prober.settled();
    expect(prober.check(container).ready).toBe(true); // the period has not passed: no new probe
    c.advance(1);
    prober.check(container);
    await prober.settled();
    expect(prober.check(container).ready).toBe(true); // one failure of two
    c.advance(2);
    prober.check(container);
    await prober.settled();
    expect(prober.check(container)).toMatchObject({ ready: false });
    expect(prober.check(container).failed).toBeUndefined(); // readiness never kills
  });

  it('asks for a kill after failureThreshold liveness failures, and holds liveness and readiness back until the startup probe passed', async () => {
    let code = 1;
    const exec: ExecInContainer = async (id, command) => (id === 'b' && command.join(' ') === 'check' ? code : 127);
    const c = clock();
    const prober = new Prober(exec, c.now);
    const container = {
      id: 'b',
      startedAt: c.now(),
      podIP: '127.0.0.1',
      spec: { name: 'app', startupProbe: { exec: { command: ['check'] }, periodSeconds: 1, failureThreshold: 30 }, livenessProbe: { exec: { command: ['check'] }, periodSeconds: 1, failureThreshold: 2 } },
    };
    for (let i = 0; i < 3; i++) {
      c.advance(i ? 1 : 0);
      prober.check(container);
      await prober.settled();
    }
    expect(prober.check(container)).toEqual({ started: false, ready: false });
    code = 0;
    c.advance(1);
    prober.check(container);
    await prober.settled();
    expect(prober.check(container)).toEqual({ started: true, ready: true }); // and the first liveness probe starts
    await prober.settled();
    code = 1;
    c.advance(1);
    prober.check(container);
    await prober.settled();
    expect(prober.check(container).failed).toBeUndefined();
    c.advance(1);
    prober.check(container);
    await prober.settled();
    expect(prober.check(container).failed).toEqual({ kind: 'liveness', message: 'Liveness probe failed: command "check" exited with 1' });
  });

  it('runs httpGet probes (2xx and 3xx pass, with the probe\'s headers and a named port) and says why TCP and HTTP probes fail', async () => {
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      seen.push(`${req.url} ${req.headers['x-probe']} ${req.headers['user-agent']}`);
      res.writeHead(req.url === '/healthz' ? 200 : req.url === '/moved' ? 302 : 503).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    closers.push(() => server.close());
    const port = (server.address() as AddressInfo).port;
    const container = { id: 'c', startedAt: 0, podIP: '127.0.0.1', spec: { name: 'web', ports: [{ name: 'http', containerPort: port }] } };
    expect(await runProbe({ httpGet: { path: '/healthz', port: 'http', httpHeaders: [{ name: 'X-Probe', value: 'yes' }] } }, container, noExec)).toBeUndefined();
    expect(await runProbe({ httpGet: { path: '/moved', port } }, container, noExec)).toBeUndefined();
    expect(await runProbe({ httpGet: { path: '/down', port } }, container, noExec)).toBe('HTTP probe failed with statuscode: 503');
    expect(seen[0]).toBe('/healthz yes kube-probe/1.32');
    expect(await runProbe({ httpGet: { port: 'metrics' } }, container, noExec)).toBe('port "metrics" is not a container port');
    const closed = await tcpServer();
    await closed.close();
    expect(await runProbe({ tcpSocket: { port: closed.port } }, container, noExec)).toBe(`dial tcp 127.0.0.1:${closed.port}: connect: connection refused`);
  });
});
