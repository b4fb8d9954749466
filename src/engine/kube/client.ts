import { setMaxListeners } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { DeadlineError, requestDeadlineMs } from '../deadline.ts';
import { RetryableHttpError, parseRetryAfter, withRetry, type RetryOptions } from '../jobs/retry.ts';

/** An answer from the API server that is not a success: its Status reason and message. */
export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

export interface KubeList {
  apiVersion: string;
  kind: string;
  metadata: { continue?: string; resourceVersion?: string };
  items: KubeObject[];
}

/**
 * A small client over the Kubernetes REST API: JSON in and out, credentials from the kubeconfig,
 * retries on 429/5xx/dropped connections, and paginated lists. Used instead of the generated
 * clients because lifeboat must reach every group and version, CRDs included, generically.
 */
export class KubeClient {
  private agentOptions?: Promise<https.RequestOptions>;
  private readonly agent: http.Agent;
  readonly server: URL;

  constructor(
    private readonly kc: KubeConfig,
    private readonly retry: Omit<RetryOptions, 'signal'> = {},
  ) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    this.server = new URL(cluster.server);
    this.agent = this.server.protocol === 'https:' ? new https.Agent({ keepAlive: true, maxSockets: 16 }) : new http.Agent({ keepAlive: true, maxSockets: 16 });
  }

  /** The kubeconfig it was made from (for @kubernetes/client-node's Exec, which runs hooks in pods). */
  get kubeConfig(): KubeConfig {
    return this.kc;
  }

  private options(): Promise<https.RequestOptions> {
    this.agentOptions ??= (async () => {
      const opts: https.RequestOptions = {};
      await this.kc.applyToHTTPSOptions(opts);
      return opts;
    })();
    return this.agentOptions;
  }

  /** One request, no retries. Resolves with the parsed JSON body. */
  async requestOnce<T>(method: string, path: string, body?: unknown, opts: { signal?: AbortSignal; contentType?: string } = {}): Promise<T> {
    const base = await this.options();
    // Every request in flight listens on the caller's signal; a backup has many at once.
    if (opts.signal) setMaxListeners(256, opts.signal);
    const url = new URL(path, this.server);
    const payload = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const mod = url.protocol === 'https:' ? https : http;
    return new Promise<T>((resolve, reject) => {
      const req = mod.request(
        url,
        {
          ...base,
          agent: this.agent,
          method,
          signal: opts.signal,
          headers: {
            ...(base.headers ?? {}),
            accept: 'application/json',
            ...(payload ? { 'content-type': opts.contentType ?? 'application/json', 'content-length': payload.length } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) {
              try {
                resolve(JSON.parse(text) as T);
              } catch {
                reject(new Error(`${method} ${url.pathname}: the server answered with something that is not JSON`));
              }
              return;
            }
            let reason = res.statusMessage ?? '';
            let message = `${method} ${url.pathname}: HTTP ${status}`;
            try {
              const s = JSON.parse(text) as { reason?: string; message?: string };
              reason = s.reason ?? reason;
              if (s.message) message = s.message;
            } catch {
              /* not a Status */
            }
            if (status === 429 || status >= 500) {
              reject(new RetryableHttpError(status, message, parseRetryAfter(res.headers['retry-after'] as string | undefined)));
            } else reject(new KubeApiError(status, reason, message));
          });
        },
      );
      // A server that accepts and never answers: the deadline is an idle one, so a long list
      // that keeps coming is never cut.
      const ms = requestDeadlineMs();
      req.setTimeout(ms, () => req.destroy(new DeadlineError(`Kubernetes ${method} ${url.pathname} on ${url.host}`, ms)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** A request with retries on 429 (honouring Retry-After), 5xx and dropped connections. */
  request<T>(method: string, path: string, body?: unknown, opts: { signal?: AbortSignal; contentType?: string; onRetry?: RetryOptions['onRetry'] } = {}): Promise<T> {
    return withRetry(() => this.requestOnce<T>(method, path, body, opts), { ...this.retry, signal: opts.signal, onRetry: opts.onRetry ?? this.retry.onRetry });
  }

  get<T>(path: string, opts: { signal?: AbortSignal } = {}): Promise<T> {
    return this.request<T>('GET', path, undefined, opts);
  }

  /** Lists a collection page by page (limit 500 by default), yielding each page. */
  async *listPages(path: string, opts: { limit?: number; labelSelector?: string; signal?: AbortSignal; onRetry?: RetryOptions['onRetry'] } = {}): AsyncGenerator<KubeList> {
    let cont: string | undefined;
    do {
      const q = new URLSearchParams({ limit: String(opts.limit ?? 500) });
      if (cont) q.set('continue', cont);
      if (opts.labelSelector) q.set('labelSelector', opts.labelSelector);
      const page = await this.request<KubeList>('GET', `${path}?${q}`, undefined, { signal: opts.signal, onRetry: opts.onRetry });
      yield page;
      cont = page.metadata?.continue || undefined;
    } while (cont);
  }

  /** A GET whose answer is text (pods/log), no retries. */
  async getText(path: string, opts: { signal?: AbortSignal } = {}): Promise<string> {
    const base = await this.options();
    const url = new URL(path, this.server);
    const mod = url.protocol === 'https:' ? https : http;
    return new Promise<string>((resolve, reject) => {
      const req = mod.request(url, { ...base, agent: this.agent, method: 'GET', signal: opts.signal }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300) resolve(text);
          else reject(new KubeApiError(res.statusCode ?? 0, res.statusMessage ?? '', `GET ${url.pathname}: HTTP ${res.statusCode}`));
        });
      });
      const ms = requestDeadlineMs();
      req.setTimeout(ms, () => req.destroy(new DeadlineError(`Kubernetes GET ${url.pathname} on ${url.host}`, ms)));
      req.on('error', reject);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
