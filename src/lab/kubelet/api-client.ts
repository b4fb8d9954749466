/** The kubelet's small HTTPS client for the lab's API server (bearer token, the lab CA). */
import https from 'node:https';

export class ApiStatusError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

export interface ApiClientOptions {
  server: string;
  ca: string;
  token: string;
}

export class ApiClient {
  private readonly agent: https.Agent;

  constructor(private readonly opts: ApiClientOptions) {
    this.agent = new https.Agent({ ca: opts.ca, keepAlive: true, maxSockets: 4 });
  }

  request<T = any>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = https.request(
        new URL(path, this.opts.server),
        {
          method,
          agent: this.agent,
          timeout: 15_000,
          headers: {
            Authorization: `Bearer ${this.opts.token}`,
            Accept: 'application/json',
            ...(payload ? { 'Content-Type': contentType, 'Content-Length': payload.length } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const code = res.statusCode ?? 0;
            if (code >= 200 && code < 300) {
              try {
                resolve(text ? JSON.parse(text) : undefined);
              } catch (e) {
                reject(e);
              }
              return;
            }
            let message = text;
            try {
              message = JSON.parse(text).message ?? text;
            } catch {
              /* not a Status */
            }
            reject(new ApiStatusError(code, `${method} ${path}: ${code} ${message}`));
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  get<T = any>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  /** GET that answers undefined for a 404. */
  async tryGet<T = any>(path: string): Promise<T | undefined> {
    try {
      return await this.get<T>(path);
    } catch (e) {
      if (e instanceof ApiStatusError && e.code === 404) return undefined;
      throw e;
    }
  }

  mergePatch<T = any>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body, 'application/merge-patch+json');
  }

  close(): void {
    this.agent.destroy();
  }
}
