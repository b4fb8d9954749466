/** Fault injection, switched on per server: throttling, server errors, latency, cut lists. */

export interface FaultSettings {
  /** Share (0..1) of requests answered 429 TooManyRequests with Retry-After. */
  rate429: number;
  /** Share (0..1) of requests answered 500 InternalError. */
  rate500: number;
  /** Retry-After seconds sent with 429s (and with 500s when `retryAfterOn500`). */
  retryAfterSeconds: number;
  retryAfterOn500: boolean;
  /** Added latency per request, in milliseconds. */
  latencyMs: number;
  /** Only requests whose path matches are affected (default: resource paths, not discovery). */
  match: (method: string, path: string) => boolean;
  /**
   * Stops list responses mid-way: after this many list pages have been served, the next list
   * response sends its headers and half its body, then the connection is cut. undefined: never.
   */
  cutListAfterPages?: number;
}

export type FaultKind = 429 | 500;

export class Faults implements FaultSettings {
  rate429 = 0;
  rate500 = 0;
  retryAfterSeconds = 1;
  retryAfterOn500 = false;
  latencyMs = 0;
  match: (method: string, path: string) => boolean = (_m, p) => /^\/apis?\/.+\/(namespaces\/|[a-z]+s(\/|$))/.test(p) && !isDiscoveryPath(p);
  cutListAfterPages?: number;
  /** Counts of what was injected, for tests. */
  readonly injected = { 429: 0, 500: 0, cut: 0 };
  private queue: FaultKind[] = [];
  listPagesServed = 0;

  /** The next `count` matching requests fail with `kind`, whatever the rates. */
  failNext(count: number, kind: FaultKind): void {
    for (let i = 0; i < count; i++) this.queue.push(kind);
  }

  /** Back to no faults. */
  reset(): void {
    this.rate429 = this.rate500 = this.latencyMs = 0;
    this.retryAfterSeconds = 1;
    this.retryAfterOn500 = false;
    this.cutListAfterPages = undefined;
    this.queue = [];
    this.listPagesServed = 0;
  }

  set(settings: Partial<FaultSettings>): void {
    Object.assign(this, settings);
  }

  /** Which failure (if any) this request gets. */
  pick(method: string, path: string): FaultKind | undefined {
    if (!this.match(method, path)) return undefined;
    const queued = this.queue.shift();
    const kind = queued ?? (Math.random() < this.rate429 ? 429 : Math.random() < this.rate500 ? 500 : undefined);
    if (kind) this.injected[kind]++;
    return kind;
  }

  /** Whether this list page's response should be cut off. */
  cutThisList(): boolean {
    if (this.cutListAfterPages === undefined) return false;
    this.listPagesServed++;
    if (this.listPagesServed <= this.cutListAfterPages) return false;
    this.injected.cut++;
    return true;
  }
}

function isDiscoveryPath(p: string): boolean {
  return /^\/api(\/v1)?\/?$/.test(p) || /^\/apis(\/[^/]+){0,2}\/?$/.test(p);
}
