/**
 * pods/log and pods/exec, as kube-apiserver serves them: it finds the pod's node and proxies to
 * that node's kubelet (src/lab/kubelet/server.ts) at the port the Node publishes in
 * status.daemonEndpoints. Logs are a plain HTTP proxy; exec is a WebSocket upgrade piped both ways.
 */
import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { ApiError, errors } from './errors.ts';
import type { ObjectApi } from './objects.ts';

const STREAM = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(log|exec|attach|portforward)$/;

export function podStreamPath(pathname: string): { namespace: string; name: string; sub: string } | undefined {
  const m = STREAM.exec(pathname);
  return m ? { namespace: decodeURIComponent(m[1]!), name: decodeURIComponent(m[2]!), sub: m[3]! } : undefined;
}

/** The pod, the container asked for (or its only one), and its kubelet's port. */
async function target(api: ObjectApi, namespace: string, name: string, query: URLSearchParams, anyContainer = false): Promise<{ container: string; port: number }> {
  const pod = await api.get(api.registry.storedResources().find((r) => r.group === '' && r.resource === 'pods')!, namespace, name);
  const containers: string[] = (pod.spec?.containers ?? []).map((c: any) => c.name);
  const all = [...(pod.spec?.initContainers ?? []).map((c: any) => c.name), ...containers];
  let container = query.get('container') ?? '';
  if (anyContainer) container = containers[0] ?? '';
  else if (!container) {
    if (containers.length !== 1) throw errors.badRequest(`a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`);
    container = containers[0]!;
  }
  if (!all.includes(container)) throw errors.badRequest(`container ${container} is not valid for pod ${name}`);
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) throw errors.badRequest(`pod ${name} does not have a host assigned`);
  const node = await api.get(api.registry.storedResources().find((r) => r.group === '' && r.resource === 'nodes')!, undefined, nodeName);
  const port = Number(node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 0);
  if (!port) throw errors.badRequest(`node ${nodeName} has no kubelet serving logs and exec (start the lab with its kubelets: 'lifeboat lab up')`);
  return { container, port };
}

/** GET .../pods/NAME/log: the kubelet's answer streamed through; its refusals as a Status. */
export async function proxyLog(api: ObjectApi, kubeletToken: string, at: { namespace: string; name: string }, query: URLSearchParams, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const { container, port } = await target(api, at.namespace, at.name, query);
  const q = new URLSearchParams();
  for (const k of ['follow', 'previous', 'tailLines', 'timestamps', 'sinceSeconds', 'limitBytes']) if (query.has(k)) q.set(k, query.get(k)!);
  await new Promise<void>((resolve, reject) => {
    const upstream = http.get({ host: '127.0.0.1', port, path: `/containerLogs/${encodeURIComponent(at.namespace)}/${encodeURIComponent(at.name)}/${encodeURIComponent(container)}?${q}`, headers: { Authorization: `Bearer ${kubeletToken}` } }, (up) => {
      if (up.statusCode !== 200) {
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () => reject(new ApiError(up.statusCode === 404 ? 404 : 400, up.statusCode === 404 ? 'NotFound' : 'BadRequest', Buffer.concat(chunks).toString('utf8').trim())));
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
      up.pipe(res);
      up.on('end', resolve);
      up.on('error', resolve);
    });
    upstream.on('error', (e) => reject(errors.internal(`the kubelet on port ${port} does not answer: ${e.message}`)));
    req.on('close', () => upstream.destroy());
  });
}

function refuse(socket: Duplex, e: ApiError): void {
  const body = JSON.stringify(e.toStatus());
  socket.end(`HTTP/1.1 ${e.code} ${http.STATUS_CODES[e.code] ?? ''}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

/** The upgrade of .../pods/NAME/exec, attach or portforward, handed to the kubelet as is (Sec-WebSocket-* and X-Stream-Protocol-Version kept). */
export async function proxyExec(api: ObjectApi, kubeletToken: string, at: { namespace: string; name: string; sub: string }, query: URLSearchParams, req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  let port: number;
  let container: string;
  try {
    ({ container, port } = await target(api, at.namespace, at.name, query, at.sub === 'portforward'));
  } catch (e) {
    return refuse(socket, e instanceof ApiError ? e : errors.internal(String(e)));
  }
  if (at.sub !== 'portforward') query.set('container', container);
  const kubeletPath = at.sub === 'portforward'
    ? `/portForward/${encodeURIComponent(at.namespace)}/${encodeURIComponent(at.name)}`
    : `/${at.sub === 'attach' ? 'attach' : 'exec'}/${encodeURIComponent(at.namespace)}/${encodeURIComponent(at.name)}/${encodeURIComponent(container)}`;
  const upstream = net.connect(port, '127.0.0.1');
  const headers = Object.entries(req.headers)
    .filter(([k]) => /^(upgrade|connection|sec-websocket-.*|x-stream-protocol-version)$/i.test(k))
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : v}`);
  upstream.on('connect', () => {
    upstream.write(`GET ${kubeletPath}?${query} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${kubeletToken}\r\n${headers.join('\r\n')}\r\n\r\n`);
    if (head.length) upstream.write(head);
    upstream.pipe(socket);
    socket.pipe(upstream);
  });
  upstream.on('error', () => refuse(socket, errors.internal(`the kubelet on port ${port} does not answer`)));
  socket.on('error', () => upstream.destroy());
  socket.on('close', () => upstream.destroy());
  upstream.on('close', () => socket.destroy());
}
