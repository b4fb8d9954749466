import { afterEach, describe, expect, it, vi } from 'vitest';
import { runJobs, type Job } from '../../src/engine/jobs/runner.ts';
import { backupRun, summaryOf } from '../../src/screens/backupRun.ts';
import { BackupStore } from '../../src/screens/state/backupStore.ts';
import { labJobs } from './fixtures.ts';

afterEach(() => vi.useRealTimers());

/** A job that reports 5,000 progress updates as fast as it can. */
const flood: Job = {
  id: 'volumes',
  title: 'volumes',
  async run(ctx) {
    for (let i = 1; i <= 5000; i++) ctx.progress({ bytesDone: i * 1024, bytesTotal: 5000 * 1024 });
    ctx.warn('a');
    return { bytes: 5000 * 1024, items: 1, skipped: [] };
  },
};

describe('the backup store', () => {
  it('coalesces a flood of progress events into a few notifications', async () => {
    const store = new BackupStore({ coalesceMs: 100 });
    let notified = 0;
    store.subscribe(() => notified++);
    const run = backupRun(async ({ signal, onEvent }) => summaryOf(await runJobs([flood], { signal, onEvent, progressIntervalMs: 0 }), 'abc'));
    store.start(run);
    await run.done;
    await vi.waitFor(() => expect(store.getSnapshot().phase).toBe('done'));
    expect(notified).toBeLessThan(10);
    const s = store.getSnapshot();
    expect(s.jobs[0]).toMatchObject({ id: 'volumes', status: 'ok', counts: { bytesDone: 5000 * 1024 } });
    expect(s.log).toEqual([expect.objectContaining({ job: 'volumes', level: 'warning', message: 'a' })]);
    expect(s.summary).toMatchObject({ snapshotId: 'abc', status: 'complete', jobs: [{ job: 'volumes', status: 'ok', bytes: 5000 * 1024, warnings: 1 }] });
  });

  it('computes rate and ETA from the events (EWMA), and keeps the log bounded', () => {
    vi.useFakeTimers();
    const store = new BackupStore({ coalesceMs: 100, maxLog: 3 });
    store.apply({ type: 'start', job: 'etcd', title: 'etcd', at: 0 });
    for (let t = 1; t <= 10; t++) store.apply({ type: 'progress', job: 'etcd', phase: 'copying', at: t * 1000, bytesDone: t * 1_000_000, bytesTotal: 20_000_000, itemsDone: 0 });
    for (let i = 0; i < 5; i++) store.apply({ type: 'warning', job: 'etcd', message: `w${i}`, at: 11_000 });
    store.apply({ type: 'retry', job: 'etcd', attempt: 2, delayMs: 1500, reason: 'HTTP 503', at: 12_000 });
    expect(store.getSnapshot().jobs).toEqual([]); // not yet published
    vi.advanceTimersByTime(100);
    const s = store.getSnapshot();
    expect(s.jobs[0]!.bytesPerSecond).toBeCloseTo(1_000_000, -3);
    expect(s.jobs[0]!.eta).toBeCloseTo(10, 0);
    expect(s.jobs[0]!.retries).toBe(1);
    expect(s.log.map((l) => l.message)).toEqual(['w3', 'w4', 'retry 2 in 1.5s: HTTP 503']);
    expect(s.dropped).toBe(3);
  });

  it('follows a real run of the six lab jobs to a partial summary when one fails', async () => {
    const store = new BackupStore();
    const run = backupRun(async ({ signal, onEvent }) => summaryOf(await runJobs(labJobs({ failDatabases: true }), { signal, onEvent, concurrency: 6 }), 'snap'));
    store.start(run);
    await vi.waitFor(() => expect(store.getSnapshot().phase).toBe('done'));
    const s = store.getSnapshot();
    expect(s.jobs.map((j) => `${j.id}:${j.status}`)).toEqual(['etcd:ok', 'volumes:ok', 'images:ok', 'kubernetes:ok', 'prometheus:ok', 'databases:failed']);
    expect(s.jobs.at(-1)!.error).toBe('pg_dump: connection refused');
    expect(s.summary!.status).toBe('partial');
  });
});
