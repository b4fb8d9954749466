// Every call lifeboat makes to a server has a deadline: a server that accepts the connection and
// never answers (a hung API server, a frozen etcd) must end the call with a reason that names the
// server, the call and the deadline, not hang the backup. One deadline for every client, set
// once by the CLI (--request-timeout, $LIFEBOAT_REQUEST_TIMEOUT); for streams it is an idle
// deadline (no byte for that long), so a long transfer that keeps moving is never cut.
import { mention } from './mentions.ts';
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

let requestMs = DEFAULT_REQUEST_TIMEOUT_MS;

export function requestDeadlineMs(): number {
  return requestMs;
}

export function setRequestDeadline(ms: number): void {
  if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`a deadline must be a positive number of milliseconds, not ${ms}`);
  requestMs = ms;
}

/** "30 s", "1.5 s". */
export function deadlineText(ms = requestMs): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/** A call that got no answer within its deadline. Not retried: the next try would wait as long. */
export class DeadlineError extends Error {
  readonly code = 'LIFEBOAT_DEADLINE';
  constructor(
    readonly what: string,
    readonly ms: number = requestMs,
  ) {
    super(`${what}: no answer within the ${deadlineText(ms)} deadline (${mention('requestTimeout')})`);
    this.name = 'DeadlineError';
  }
}

/** `signal` combined with the deadline; an abort by the deadline carries a DeadlineError. */
export function deadlineSignal(what: string, signal?: AbortSignal, ms = requestMs): AbortSignal {
  const c = new AbortController();
  const timer = setTimeout(() => c.abort(new DeadlineError(what, ms)), ms);
  timer.unref?.();
  c.signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  return signal ? AbortSignal.any([signal, c.signal]) : c.signal;
}

/** `fetch` with the deadline: an answer that does not come is a DeadlineError naming the URL. */
export async function fetchWithDeadline(url: string | URL, init: RequestInit & { what?: string } = {}, ms = requestMs): Promise<Response> {
  const what = init.what ?? `${init.method ?? 'GET'} ${String(url)}`;
  const signal = deadlineSignal(what, init.signal ?? undefined, ms);
  try {
    return await fetch(url, { ...init, signal });
  } catch (e) {
    if (signal.aborted && signal.reason instanceof DeadlineError) throw signal.reason;
    throw e;
  }
}

/**
 * The items of `source`, failing with a DeadlineError when none arrives for `ms` (an idle
 * deadline for streams); `onIdle` is called first so the stream can be cancelled.
 */
export async function* idleDeadline<T>(what: string, source: AsyncIterable<T>, onIdle?: () => void, ms = requestMs): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        onIdle?.();
        reject(new DeadlineError(what, ms));
      }, ms);
    });
    let r: IteratorResult<T>;
    try {
      r = await Promise.race([it.next(), idle]);
    } finally {
      clearTimeout(timer);
    }
    if (r.done) return;
    yield r.value;
  }
}
