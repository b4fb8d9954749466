// Retries with exponential backoff and jitter for what a busy server or a dropped connection
// throws: 429 (honouring Retry-After), 5xx, and connection resets.

export interface RetryOptions {
  signal?: AbortSignal;
  /** Attempts in all, the first included. */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
}

const RETRYABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

/** An HTTP answer worth trying again; carries Retry-After when the server sent one. */
export class RetryableHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export function isRetryable(e: unknown): { retry: boolean; afterMs?: number; reason: string } {
  const err = e as { status?: number; statusCode?: number; code?: string; cause?: { code?: string }; retryAfterMs?: number; message?: string; name?: string };
  if (err?.name === 'AbortError') return { retry: false, reason: 'aborted' };
  const status = err?.status ?? err?.statusCode;
  if (status === 429 || (status !== undefined && status >= 500 && status <= 599)) {
    return { retry: true, afterMs: err.retryAfterMs, reason: `HTTP ${status}` };
  }
  const code = err?.code ?? err?.cause?.code;
  if (code && RETRYABLE_CODES.has(code)) return { retry: true, reason: code };
  return { retry: false, reason: err?.message ?? String(e) };
}

export function parseRetryAfter(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const attempts = opts.attempts ?? 6;
  const base = opts.baseDelayMs ?? 200;
  const max = opts.maxDelayMs ?? 10_000;
  for (let attempt = 1; ; attempt++) {
    opts.signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (e) {
      const verdict = isRetryable(e);
      if (!verdict.retry || attempt >= attempts || opts.signal?.aborted) throw e;
      const backoff = Math.min(max, base * 2 ** (attempt - 1));
      const delayMs = Math.min(max, verdict.afterMs ?? backoff * (0.5 + Math.random() / 2));
      opts.onRetry?.({ attempt, delayMs, reason: verdict.reason });
      await sleep(delayMs, opts.signal);
    }
  }
}
