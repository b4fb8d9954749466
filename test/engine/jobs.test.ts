import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { runJobs, type Job } from '../../src/engine/jobs/runner.ts';
import type { JobEvent } from '../../src/engine/jobs/events.ts';
import { RetryableHttpError, parseRetryAfter, withRetry } from '../../src/engine/jobs/retry.ts';
import { RateMeter, etaSeconds } from '../../src/engine/jobs/rate.ts';

const wait = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)));
  });

describe('the job runner', () => {
  it('runs no more jobs at once than asked, and a failed job does not stop the others', async () => {
    let running = 0;
    let peak = 0;
    const job = (id: string, fail = false): Job => ({
      id,
      title: id,
      async run(ctx) {
        running++;
        peak = Math.max(peak, running);
        ctx.progress({ phase: 'copy', itemsDone: 1, itemsTotal: 1, bytesDone: 10 });
        await wait(20);
        running--;
        if (fail) throw new Error(`connection to ${id} refused\nstack...`);
        return id.toUpperCase();
      },
    });
    const events: JobEvent[] = [];
    const results = await runJobs([job('a'), job('b', true), job('c'), job('d')], { concurrency: 2, onEvent: (e) => events.push(e) });
    expect(peak).toBe(2);
    expect(results.map((r) => r.status)).toEqual(['ok', 'failed', 'ok', 'ok']);
    expect(results[1]!.error).toBe('connection to b refused');
    expect(results[0]!.value).toBe('A');
    expect(results[2]!.counts).toMatchObject({ itemsDone: 1, bytesDone: 10 });
    const ends = events.filter((e) => e.type === 'end');
    expect(ends).toHaveLength(4);
  });

  it('cancels running jobs through their signal and marks pending ones cancelled', async () => {
    const controller = new AbortController();
    const slow: Job = { id: 'slow', title: 'slow', run: (ctx) => wait(10_000, ctx.signal) };
    const later: Job = { id: 'later', title: 'later', run: async () => 'ran' };
    const run = runJobs([slow, later], { concurrency: 1, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('user cancelled')), 30);
    const results = await run;
    expect(results.map((r) => r.status)).toEqual(['cancelled', 'cancelled']);
  });

  it('throttles progress events but always reports the final counts', async () => {
    const events: JobEvent[] = [];
    const busy: Job = {
      id: 'busy',
      title: 'busy',
      async run(ctx) {
        for (let i = 1; i <= 1000; i++) ctx.progress({ bytesDone: i });
      },
    };
    await runJobs([busy], { onEvent: (e) => events.push(e), progressIntervalMs: 1000 });
    const progress = events.filter((e) => e.type === 'progress');
    expect(progress.length).toBeLessThan(5);
    expect(progress.at(-1)).toMatchObject({ bytesDone: 1000 });
  });
});

describe('retries', () => {
  it('retries 429 and 500 from a real server, honouring Retry-After, and gives up on 404', async () => {
    let hits = 0;
    const server = http.createServer((req, res) => {
      hits++;
      if (req.url === '/missing') return void res.writeHead(404).end();
      if (hits === 1) return void res.writeHead(429, { 'retry-after': '0' }).end();
      if (hits === 2) return void res.writeHead(500).end();
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const get = async (path: string) => {
      const res = await fetch(url + path);
      if (res.status === 429 || res.status >= 500) {
        throw new RetryableHttpError(res.status, `HTTP ${res.status}`, parseRetryAfter(res.headers.get('retry-after')));
      }
      if (!res.ok) throw Object.assign(new Error(`HTTP ${res.status}`), { status: res.status });
      return res.text();
    };
    const reasons: string[] = [];
    expect(await withRetry(() => get('/'), { baseDelayMs: 1, onRetry: (r) => reasons.push(r.reason) })).toBe('ok');
    expect(reasons).toEqual(['HTTP 429', 'HTTP 500']);
    hits = 10;
    await expect(withRetry(() => get('/missing'), { baseDelayMs: 1 })).rejects.toThrow('HTTP 404');
    expect(hits).toBe(11);
    server.close();
  });

  it('retries a dropped connection', async () => {
    let hits = 0;
    const server = http.createServer((req, res) => {
      if (++hits === 1) return void req.socket.destroy();
      res.end('back');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    expect(await withRetry(async () => (await fetch(url)).text(), { baseDelayMs: 1 })).toBe('back');
    server.close();
  });
});

describe('rate and ETA', () => {
  it('smooths the rate and derives the time left', () => {
    const m = new RateMeter(1000);
    m.sample(0, 0);
    m.sample(1000, 100);
    expect(m.perSecond).toBeCloseTo(100);
    m.sample(2000, 300);
    expect(m.perSecond).toBeGreaterThan(100);
    expect(m.perSecond).toBeLessThan(200);
    expect(etaSeconds({ bytesDone: 500, bytesTotal: 1500, itemsDone: 0 }, 100, 0)).toBe(10);
    expect(etaSeconds({ bytesDone: 500, itemsDone: 0 }, 100, 0)).toBeUndefined();
  });
});
