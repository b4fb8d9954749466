/**
 * The lab's Kubernetes API server: HTTPS, bearer tokens, discovery, OpenAPI v3, generic REST over
 * etcd, and the controllers. `startApiServer` runs it in-process (tests); main.ts runs it as the
 * lab's service.
 */
import https from 'node:https';
import tls from 'node:tls';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Admission } from './admission.ts';
import { apiServicePlugin, loadApiServices } from './aggregation.ts';
import { authenticate, READ_VERBS, type Tokens, type User } from './auth.ts';
import { Cache } from './cache.ts';
import { startControllers, type Controllers } from './controllers/index.ts';
import { jobPlugin } from './controllers/batch.ts';
import { servicePlugin } from './controllers/services.ts';
import { defaultStorageClassPlugin } from './controllers/volumes.ts';
import { crdPlugin, loadCustomResourceDefinitions } from './crds.ts';
import { ApiError, errors } from './errors.ts';
import { Faults } from './faults.ts';
import { ObjectApi } from './objects.ts';
import { OpenApi, openApiV2 } from './openapi.ts';
import { Registry } from './registry.ts';
import { handleResource, parseResourcePath, verbOf } from './rest.ts';
import { podStreamPath, proxyExec, proxyLog } from './pod-proxy.ts';
import { rbacAllows, serviceAccountKey, tokenRequest, TOKEN_REQUEST_PATH, type Attributes } from './service-accounts.ts';
import { Store } from './storage.ts';
import { TABLE_RESOURCES, toTable, wantsTable } from './tables.ts';

/** The request body limit of a real kube-apiserver (3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export const VERSION_INFO = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-lifeboat-lab',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2025-01-01T00:00:00Z',
  goVersion: 'go1.23.0',
  compiler: 'gc',
  platform: 'linux/amd64',
};

export interface ApiServerOptions {
  /** etcd client URL, e.g. http://127.0.0.1:2379. */
  etcd: string;
  /** Port on 127.0.0.1; 0 or undefined: any free port. */
  port?: number;
  host?: string;
  /** PEM serving certificate and key. */
  tls: { cert: string | Buffer; key: string | Buffer };
  /** PEM of the CA that signed the serving certificate (published as kube-root-ca.crt); default: the certificate. */
  caCert?: string | Buffer;
  tokens?: Tokens;
  /** Initial fault settings (they can be changed later through the returned `faults`). */
  faults?: Partial<Faults>;
  /** Run the controllers (default true). */
  controllers?: boolean;
  /** Folder for the hostPath volumes the PVC provisioner makes. */
  volumesDir?: string;
  /** Names of the Node objects to create (default ["lab-node-1"]). */
  nodes?: string[];
  /** Logs one line per request to stderr. */
  log?: boolean;
}

export interface ApiServer {
  url: string;
  port: number;
  faults: Faults;
  api: ObjectApi;
  /** Resolves when the controllers have nothing left to do (tests). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_TOKENS: Tokens = { admin: 'lab-admin-token', readonly: 'lab-readonly-token' };

function send(res: http.ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', ...headers });
  res.end(text);
}

function sendError(res: http.ServerResponse, e: ApiError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  send(res, e.code, e.toStatus(), e.headers);
}

/** Reads the body, up to the 3 MiB limit (413 beyond it). */
function bodyReader(req: http.IncomingMessage): () => Promise<Buffer> {
  let pending: Promise<Buffer> | undefined;
  return () =>
    (pending ??= new Promise<Buffer>((resolve, reject) => {
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > MAX_BODY_BYTES) {
        req.resume();
        reject(errors.tooLarge());
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      let tooLarge = false;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY_BYTES) tooLarge = true;
        else chunks.push(c);
      });
      req.on('end', () => (tooLarge ? reject(errors.tooLarge()) : resolve(Buffer.concat(chunks))));
      req.on('error', reject);
    }));
}

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const tokens = opts.tokens ?? DEFAULT_TOKENS;
  const registry = new Registry();
  const store = new Store(opts.etcd);
  const api = new ObjectApi(registry, store);
  const openapi = new OpenApi(registry);
  const faults = new Faults();
  if (opts.faults) Object.assign(faults, opts.faults);
  api.use(crdPlugin(api));
  api.use(servicePlugin);
  api.use(jobPlugin);
  api.use(defaultStorageClassPlugin);
  api.use(apiServicePlugin(api));
  api.admission = new Admission(store);
  await loadCustomResourceDefinitions(api);
  await loadApiServices(api);

  let controllers: Controllers | undefined;
  let cache: Cache | undefined;
  if (opts.controllers !== false) {
    cache = new Cache(store);
    await cache.start();
    api.cache = cache;
    controllers = await startControllers(api, cache, { volumesDir: opts.volumesDir, nodes: opts.nodes ?? ['lab-node-1'], caCert: String(opts.caCert ?? opts.tls.cert) });
  }

  const saKey = serviceAccountKey(tokens);
  /** RBAC for service-account users (the lab's own tokens keep their two fixed roles). */
  const authorize = (user: User, a: Attributes) => {
    if (!user.serviceAccount) return;
    if (api.cache && rbacAllows(api.cache, registry, user.serviceAccount, a)) return;
    throw errors.forbidden(user.name, a.verb, a.subresource ? `${a.resource}/${a.subresource}` : a.resource, a.group, a.namespace ?? (a.name === undefined ? undefined : ''), a.name);
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'https://lab');
    const pathname = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    const readBody = bodyReader(req);
    try {
      const user: User = authenticate(req.headers.authorization, tokens, saKey);
      const fault = faults.pick(method, pathname);
      if (faults.latencyMs > 0 && faults.match(method, pathname)) await new Promise((r) => setTimeout(r, faults.latencyMs));
      if (fault === 429) throw errors.tooManyRequests(faults.retryAfterSeconds);
      if (fault === 500) {
        const e = errors.internal('injected fault');
        if (faults.retryAfterOn500) e.headers['Retry-After'] = String(faults.retryAfterSeconds);
        throw e;
      }
      // An aggregated API whose server is not running: what the aggregator answers for it.
      const aggregated = /^\/apis\/([^/]+)\/([^/]+)(?:\/|$)/.exec(pathname);
      if (aggregated && registry.isAggregated(aggregated[1], aggregated[2])) {
        res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
        return void res.end('service unavailable\n');
      }
      if (method === 'GET' || method === 'HEAD') {
        if (pathname === '/version') return send(res, 200, VERSION_INFO);
        if (['/healthz', '/livez', '/readyz'].includes(pathname)) {
          res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
          return void res.end('ok');
        }
        if (pathname === '/openapi/v3') return send(res, 200, openapi.root());
        if (pathname === '/openapi/v2') {
          const doc = openApiV2(String(req.headers.accept ?? ''));
          res.writeHead(200, { 'Content-Type': doc.contentType });
          return void res.end(doc.body);
        }
        if (pathname.startsWith('/openapi/v3/')) {
          const doc = openapi.document(pathname.slice('/openapi/v3/'.length));
          if (doc) return send(res, 200, doc);
          throw errors.pathNotFound();
        }
        const doc = pathname === '/api' || pathname === '/apis' || /^\/api\/[^/]+$/.test(pathname) || /^\/apis\/[^/]+(\/[^/]+)?$/.test(pathname)
          ? registry.discovery(pathname)
          : undefined;
        if (doc) return send(res, 200, doc);
      }
      const stream = podStreamPath(pathname);
      const tokenFor = TOKEN_REQUEST_PATH.exec(pathname);
      if (tokenFor && method === 'POST') {
        authorize(user, { verb: 'create', group: '', resource: 'serviceaccounts', subresource: 'token', namespace: decodeURIComponent(tokenFor[1]!), name: decodeURIComponent(tokenFor[2]!) });
        if (!user.canWrite) throw errors.forbidden(user.name, 'create', 'serviceaccounts/token', '', decodeURIComponent(tokenFor[1]!), decodeURIComponent(tokenFor[2]!));
        return send(res, 201, await tokenRequest(api, saKey, decodeURIComponent(tokenFor[1]!), decodeURIComponent(tokenFor[2]!), await readBody()));
      }
      if (stream?.sub === 'log' && method === 'GET') authorize(user, { verb: 'get', group: '', resource: 'pods', subresource: 'log', namespace: stream.namespace, name: stream.name });
      if (stream?.sub === 'log' && method === 'GET') return await proxyLog(api, tokens.admin, stream, url.searchParams, req, res);
      if (stream && stream.sub !== 'log') throw errors.badRequest('Upgrade request required');
      const route = parseResourcePath(api, pathname, url.searchParams);
      if (route === undefined) throw errors.pathNotFound();
      if (route instanceof ApiError) throw route;
      route.user = user.name;
      const verb = verbOf(method, route);
      authorize(user, { verb, group: route.info.group, resource: route.info.resource, subresource: route.subresource, namespace: route.info.namespaced ? route.namespace : undefined, name: route.name });
      if (!user.canWrite && !READ_VERBS.has(verb)) {
        throw errors.forbidden(user.name, verb, route.subresource ? `${route.info.resource}/${route.subresource}` : route.info.resource, route.info.group, route.info.namespaced ? route.namespace ?? '' : undefined, route.name);
      }
      if (verb === 'list' && faults.cutThisList()) {
        const reply = await handleResource(api, route, verb, req, res, url.searchParams, readBody);
        const text = JSON.stringify(reply?.body);
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write(text.slice(0, Math.floor(text.length / 2)));
        setTimeout(() => req.socket.destroy(), 20);
        return;
      }
      const reply = await handleResource(api, route, verb, req, res, url.searchParams, readBody);
      if (reply && (verb === 'get' || verb === 'list') && !route.subresource && route.info.group === '' && TABLE_RESOURCES.has(route.info.resource) && wantsTable(req)) {
        reply.body = toTable(route.info.resource, reply.body);
      }
      if (reply) send(res, reply.code, reply.body, reply.warnings?.length ? { Warning: reply.warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ') } : {});
    } catch (e) {
      if (e instanceof ApiError) return sendError(res, e);
      console.error(`lab apiserver: ${method} ${req.url}: ${(e as Error).stack ?? e}`);
      sendError(res, errors.internal((e as Error).message ?? String(e)));
    } finally {
      if (opts.log) console.error(`${new Date().toISOString()} ${method} ${req.url} ${res.statusCode}`);
    }
  };

  // Security level 0 lets a TLS 1.2 client that sends no signature_algorithms (busybox wget's
  // built-in TLS, in the lab's pods) get the SHA-1 signature RFC 5246 then defaults to; other
  // clients negotiate as before (kubectl and Node use TLS 1.3).
  const server = https.createServer({ cert: opts.tls.cert, key: opts.tls.key, ciphers: `${tls.DEFAULT_CIPHERS}:@SECLEVEL=0` }, (req, res) => {
    handle(req, res).catch((e) => {
      console.error(`lab apiserver: ${(e as Error).stack ?? e}`);
      if (!res.headersSent) sendError(res, errors.internal(String(e)));
    });
  });
  // pods/exec and pods/attach: WebSocket upgrades, proxied to the pod's kubelet.
  server.on('upgrade', (req: http.IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'https://lab');
    const stream = podStreamPath(url.pathname);
    const refuse = (e: ApiError) => {
      const body = JSON.stringify(e.toStatus());
      socket.end(`HTTP/1.1 ${e.code} Error\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    };
    try {
      const user = authenticate(req.headers.authorization, tokens, saKey);
      if (!stream || stream.sub === 'log') throw errors.pathNotFound();
      authorize(user, { verb: 'create', group: '', resource: 'pods', subresource: stream.sub, namespace: stream.namespace, name: stream.name });
      if (!user.canWrite) throw errors.forbidden(user.name, 'create', `pods/${stream.sub}`, '', stream.namespace, stream.name);
      void proxyExec(api, tokens.admin, stream, url.searchParams, req, socket, head).catch(() => socket.destroy());
    } catch (e) {
      refuse(e instanceof ApiError ? e : errors.internal(String(e)));
    }
  });
  server.keepAliveTimeout = 60_000;
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://${host}:${port}`,
    port,
    faults,
    api,
    settle: async () => {
      for (let i = 0; i < 3; i++) {
        await cache?.waitFor(await store.revision());
        await controllers?.idle();
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: async () => {
      await controllers?.stop();
      await cache?.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
    },
  };
}
