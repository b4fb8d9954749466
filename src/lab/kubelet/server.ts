/**
 * The kubelet's own server, which the lab's API server proxies pods/log and pods/exec to:
 *   GET /containerLogs/NS/POD/CONTAINER?follow&previous&tailLines&timestamps
 *   GET /exec/NS/POD/CONTAINER?command=...&stdin&stdout&stderr&tty (WebSocket, v4/v5.channel.k8s.io)
 *   GET /attach/NS/POD/CONTAINER?stdin&stdout&stderr&tty (the same protocols, on the container's own process)
 *   GET /portForward/NS/POD (SPDY/3.1, or SPDY tunneled in WebSocket as SPDY/3.1+portforward.k8s.io)
 * Only callers with the lab's admin token (the API server) get in.
 */
import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { PassThrough, type Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { SpdySession, type SpdyStream } from './spdy.ts';
import { acceptWebSocket } from './websocket.ts';

export const STREAM_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];

const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 };

export interface KubeletServerOptions {
  node: string;
  docker: Docker;
  token: string;
  port?: number;
}

function authorized(req: http.IncomingMessage, token: string): boolean {
  const m = /^Bearer\s+(\S+)$/.exec(String(req.headers.authorization ?? ''));
  return !!m && m[1]!.length === token.length && timingSafeEqual(Buffer.from(m[1]!), Buffer.from(token));
}

/** The node's Docker container for a pod's container: the newest attempt, or the one before (--previous). */
export async function findContainer(docker: Docker, node: string, ns: string, pod: string, container: string, previous: boolean): Promise<Docker.ContainerInfo | undefined> {
  const list = await docker.listContainers({
    all: true,
    filters: { label: [`lab.lifeboat.dev/node=${node}`, `io.kubernetes.pod.namespace=${ns}`, `io.kubernetes.pod.name=${pod}`, `io.kubernetes.container.name=${container}`] },
  });
  list.sort((a, b) => Number(b.Labels['io.kubernetes.container.restartCount']) - Number(a.Labels['io.kubernetes.container.restartCount']));
  return list[previous ? 1 : 0];
}

/** Docker's multiplexed log/attach stream (8-byte frame headers) as plain bytes. */
function demux(buffer: Buffer): Buffer {
  const out: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(i + 4);
    out.push(buffer.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  return Buffer.concat(out);
}

function fail(res: http.ServerResponse, code: number, message: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(message);
}

async function logs(opts: KubeletServerOptions, req: http.IncomingMessage, res: http.ServerResponse, parts: string[], query: URLSearchParams): Promise<void> {
  const [ns, pod, name] = parts;
  const previous = query.get('previous') === 'true';
  const found = await findContainer(opts.docker, opts.node, ns!, pod!, name!, previous);
  if (!found) {
    return fail(res, 400, previous ? `previous terminated container "${name}" in pod "${pod}" not found` : `container "${name}" in pod "${pod}" is waiting to start: ContainerCreating`);
  }
  const c = opts.docker.getContainer(found.Id);
  const tty = (await c.inspect()).Config.Tty;
  const tail = query.get('tailLines');
  const since = query.get('sinceSeconds');
  const base = { stdout: true, stderr: true, timestamps: query.get('timestamps') === 'true', ...(tail ? { tail: Number(tail) } : {}), ...(since ? { since: Math.floor(Date.now() / 1000) - Number(since) } : {}) };
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  if (query.get('follow') === 'true' && !previous) {
    const stream = (await c.logs({ ...base, follow: true })) as unknown as NodeJS.ReadableStream;
    req.on('close', () => (stream as any).destroy?.());
    if (tty) stream.pipe(res);
    else {
      const out = new PassThrough();
      opts.docker.modem.demuxStream(stream, out, out);
      out.pipe(res);
      stream.on('end', () => out.end());
    }
    return;
  }
  const buffer = (await c.logs({ ...base, follow: false })) as unknown as Buffer;
  res.end(tty ? buffer : demux(buffer));
}

function exitStatus(code: number, command: string[]): Buffer {
  if (code === 0) return Buffer.from(JSON.stringify({ metadata: {}, status: 'Success' }));
  return Buffer.from(JSON.stringify({
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  }));
}

/** What exec and attach hand the WebSocket: Docker's stream, how to resize its TTY, and the exit code once it ended. */
interface Session {
  stream: Duplex;
  resize(size: { h: number; w: number }): Promise<unknown>;
  exitCode(): Promise<number>;
}

/**
 * Serves a remote-command WebSocket (v4/v5.channel.k8s.io) on a Docker stream: stdin in, stdout
 * and stderr out, resize, and the exit status on the error channel at the end.
 */
async function serveStreams(opts: KubeletServerOptions, req: http.IncomingMessage, socket: Duplex, parts: string[], query: URLSearchParams, describe: string[], open: (c: Docker.Container, flags: { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean }) => Promise<Session>): Promise<void> {
  const [ns, pod, name] = parts;
  const flag = (k: string) => ['1', 'true'].includes(query.get(k) ?? '');
  const flags = { stdin: flag('stdin'), stdout: flag('stdout'), stderr: flag('stderr'), tty: flag('tty') };
  const found = await findContainer(opts.docker, opts.node, ns!, pod!, name!, false);
  if (!found || found.State !== 'running') {
    const accepted = acceptWebSocket(req, socket, STREAM_PROTOCOLS);
    accepted?.ws.send(Buffer.concat([Buffer.from([CHANNEL.error]), Buffer.from(JSON.stringify({ metadata: {}, status: 'Failure', message: `container ${name} is not running`, reason: 'BadRequest', code: 400 }))]));
    accepted?.ws.close();
    return;
  }
  // The stream is open before the upgrade is answered, so no stdin the client sends is lost.
  const session = await open(opts.docker.getContainer(found.Id), flags);
  const { stream } = session;
  const accepted = acceptWebSocket(req, socket, STREAM_PROTOCOLS);
  if (!accepted) {
    stream.destroy();
    return;
  }
  const { ws, protocol } = accepted;
  const send = (channel: number, data: Buffer) => ws.send(Buffer.concat([Buffer.from([channel]), data]));
  ws.onMessage = (message) => {
    const channel = message[0];
    const data = message.subarray(1);
    if (channel === CHANNEL.stdin && flags.stdin) stream.write(data);
    else if (channel === CHANNEL.resize) {
      try {
        const size = JSON.parse(data.toString('utf8'));
        void session.resize({ h: size.Height, w: size.Width }).catch(() => undefined);
      } catch {
        /* not a size */
      }
    } else if (channel === CHANNEL.close && protocol === 'v5.channel.k8s.io' && data[0] === CHANNEL.stdin) stream.end();
  };
  ws.onClose = () => stream.destroy();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (d: Buffer) => send(CHANNEL.stdout, d));
  stderr.on('data', (d: Buffer) => send(CHANNEL.stderr, d));
  if (flags.tty) stream.on('data', (d: Buffer) => send(CHANNEL.stdout, d));
  else opts.docker.modem.demuxStream(stream, stdout, stderr);
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    void session
      .exitCode()
      .then((code) => {
        send(CHANNEL.error, exitStatus(code, describe));
        ws.close();
      })
      .catch(() => ws.close());
  };
  stream.on('end', once);
  stream.on('close', once);
}

/** Polls until `running()` says no (Docker reports an exec or container as ended a moment after its stream closes). */
async function settle(inspect: () => Promise<{ running: boolean; code: number }>): Promise<number> {
  let last = { running: true, code: 0 };
  for (let i = 0; i < 50 && last.running; i++) {
    last = await inspect();
    if (last.running) await new Promise((r) => setTimeout(r, 20));
  }
  return last.code;
}

function exec(opts: KubeletServerOptions, req: http.IncomingMessage, socket: Duplex, parts: string[], query: URLSearchParams): Promise<void> {
  const command = query.getAll('command');
  return serveStreams(opts, req, socket, parts, query, command, async (c, f) => {
    const e = await c.exec({ Cmd: command, AttachStdin: f.stdin, AttachStdout: f.stdout, AttachStderr: f.stderr, Tty: f.tty });
    const stream = (await e.start({ hijack: true, stdin: f.stdin, Tty: f.tty } as any)) as unknown as Duplex;
    return {
      stream,
      resize: (size) => e.resize(size),
      exitCode: () => settle(async () => {
        const info = await e.inspect();
        return { running: !!info.Running, code: info.ExitCode ?? 0 };
      }),
    };
  });
}

/**
 * pods/attach: the container's own process (its stdin when the container keeps one open, and its
 * output from now on). Detaching leaves it running.
 */
function attach(opts: KubeletServerOptions, req: http.IncomingMessage, socket: Duplex, parts: string[], query: URLSearchParams): Promise<void> {
  return serveStreams(opts, req, socket, parts, query, ['attach'], async (c, f) => {
    const info = await c.inspect();
    // Docker multiplexes only when the container has no TTY, whatever the client asked for.
    f.tty = info.Config.Tty === true;
    const stream = (await c.attach({ stream: true, stdin: f.stdin && info.Config.OpenStdin, stdout: f.stdout, stderr: f.stderr, hijack: true })) as unknown as Duplex;
    return {
      stream,
      resize: (size) => c.resize(size),
      // Detaching leaves the container running, and its end is not the attach's failure: always Success.
      exitCode: async () => 0,
    };
  });
}

export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
const TUNNELED_PORT_FORWARD = `SPDY/3.1+${PORT_FORWARD_PROTOCOL}`;

/**
 * pods/portforward: kubectl opens a pair of SPDY streams (error, data) for each connection it
 * forwards, naming the port; the kubelet connects to that port on the pod's loopback (pods share
 * the host's network). SPDY comes straight after an HTTP upgrade or tunneled in WebSocket messages
 * (kubectl 1.32's default).
 */
async function portForward(opts: KubeletServerOptions, req: http.IncomingMessage, socket: Duplex, parts: string[]): Promise<void> {
  const [ns, pod] = parts;
  const list = await opts.docker.listContainers({ filters: { label: [`lab.lifeboat.dev/node=${opts.node}`, `io.kubernetes.pod.namespace=${ns}`, `io.kubernetes.pod.name=${pod}`] } });
  if (!list.length) return void socket.end(`HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n\r\npod ${ns}/${pod} runs no container on node ${opts.node}`);
  const uid = list[0]!.Labels['io.kubernetes.pod.uid'] ?? '';
  const pairs = new Map<string, { error?: SpdyStream }>();
  const onStream = (stream: SpdyStream) => {
    const port = Number(stream.headers.port);
    const id = stream.headers.requestid ?? '';
    const pair = pairs.get(id) ?? {};
    pairs.set(id, pair);
    if (stream.headers.streamtype === 'error') {
      pair.error = stream;
      return;
    }
    if (stream.headers.streamtype !== 'data') return stream.end();
    const fail = (why: string) => {
      pair.error?.write(Buffer.from(`error forwarding port ${stream.headers.port} to pod ${pod}, uid ${uid}: ${why}`));
      pair.error?.end();
      stream.end();
      pairs.delete(id);
    };
    if (!Number.isInteger(port) || port < 1 || port > 65535) return fail(`invalid port ${JSON.stringify(stream.headers.port ?? '')}`);
    const tcp = net.connect(port, '127.0.0.1');
    tcp.on('data', (d: Buffer) => stream.write(d));
    tcp.on('end', () => stream.end());
    tcp.on('error', (e) => fail(e.message));
    tcp.on('close', () => {
      stream.end();
      pair.error?.end();
      pairs.delete(id);
    });
    stream.onData = (d) => tcp.write(d);
    stream.onEnd = () => tcp.end();
    stream.onReset = () => tcp.destroy();
  };
  if (String(req.headers.upgrade ?? '').toLowerCase() === 'websocket') {
    const accepted = acceptWebSocket(req, socket, [TUNNELED_PORT_FORWARD]);
    if (!accepted) return;
    const session = new SpdySession((bytes) => accepted.ws.send(bytes), onStream, () => accepted.ws.close());
    accepted.ws.onMessage = (m) => session.feed(m);
    accepted.ws.onClose = () => session.close();
    return;
  }
  if (!/^spdy\/3\.1$/i.test(String(req.headers.upgrade ?? ''))) return void socket.end('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n\r\nport-forward needs an upgrade to websocket or SPDY/3.1');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${PORT_FORWARD_PROTOCOL}\r\n\r\n`);
  const session = new SpdySession((bytes) => socket.write(bytes), onStream, () => socket.end());
  socket.on('data', (d: Buffer) => session.feed(d));
  socket.on('close', () => session.close());
  socket.on('error', () => session.close());
}

export async function startKubeletServer(opts: KubeletServerOptions): Promise<{ port: number; close(): Promise<void> }> {
  const route = (req: http.IncomingMessage) => {
    const url = new URL(req.url ?? '/', 'http://kubelet');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    return { kind: parts[0], parts: parts.slice(1), query: url.searchParams };
  };
  const server = http.createServer((req, res) => {
    if (!authorized(req, opts.token)) return fail(res, 401, 'Unauthorized');
    const { kind, parts, query } = route(req);
    if (kind === 'healthz') return fail(res, 200, 'ok');
    if (kind !== 'containerLogs' || parts.length !== 3) return fail(res, 404, '404 page not found');
    logs(opts, req, res, parts, query).catch((e) => (res.headersSent ? res.destroy() : fail(res, 500, (e as Error).message)));
  });
  server.on('upgrade', (req, socket) => {
    if (!authorized(req, opts.token)) return void socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
    const { kind, parts, query } = route(req);
    if (kind === 'portForward' && parts.length === 2) return void portForward(opts, req, socket, parts).catch(() => socket.destroy());
    if (!(kind === 'exec' || kind === 'attach') || parts.length !== 3) return void socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
    (kind === 'exec' ? exec : attach)(opts, req, socket, parts, query).catch(() => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
