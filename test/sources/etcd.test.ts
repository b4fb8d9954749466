import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Etcd3 } from 'etcd3';
import { beforeAll, describe, expect, it } from 'vitest';
import { ETCD_SNAPSHOT_PATH, TrailingSha256, etcdSource } from '../../src/engine/sources/etcd/backup.ts';
import { createHash } from 'node:crypto';
import { recordingContext, sourceTestEnvironment } from './sink.ts';

const env = sourceTestEnvironment(['etcd'], 'etcd');

beforeAll(async () => {
  const client = new Etcd3({ hosts: env.lab.services.etcd!.address });
  for (let i = 0; i < 300; i++) await client.put(`/registry/test/key-${i}`).value('x'.repeat(200 + i));
  for (let i = 0; i < 20; i++) await client.delete().key(`/registry/test/key-${i}`);
  // Enough for branch pages, values over a page (overflow pages), and freed pages after a compaction.
  for (let b = 0; b < 20; b++) await Promise.all(Array.from({ length: 100 }, (_, i) => client.put(`/registry/bulk/${b}/${i}`).value(`v${b}-${i}`.repeat(20))));
  for (let i = 0; i < 5; i++) await client.put(`/registry/big/${i}`).value(Buffer.alloc(200_000, i));
  const rev = Number((await client.maintenance.status()).header.revision);
  await client.kv.compact({ revision: rev - 50, physical: true });
  for (let i = 0; i < 5; i++) await client.put(`/registry/big/${i}`).value(Buffer.alloc(150_000, i + 10));
  client.close();
});

function etcdctl(args: string[]): string {
  return execFileSync('etcdctl', args, { env: { ...process.env, ETCDCTL_API: '3' }, encoding: 'utf8' });
}

describe('the etcd source', () => {
  it('checks a trailing SHA-256 across chunk boundaries', () => {
    const body = Buffer.from('a'.repeat(1000));
    const whole = Buffer.concat([body, createHash('sha256').update(body).digest()]);
    const t = new TrailingSha256();
    for (let i = 0; i < whole.length; i += 7) t.update(whole.subarray(i, i + 7));
    expect(t.result().matches).toBe(true);
    const bad = new TrailingSha256();
    bad.update(Buffer.concat([whole.subarray(0, 10), Buffer.from('b'), whole.subarray(11)]));
    expect(bad.result().matches).toBe(false);
  });

  it('streams a snapshot that etcdctl snapshot status accepts, with the same revision', async () => {
    const endpoint = env.lab.services.etcd!.address;
    const ctx = recordingContext();
    const result = await etcdSource({ endpoints: [endpoint] }).run(ctx, env.out.sink);
    const file = path.join(env.tmp, 'snapshot.db');
    fs.writeFileSync(file, await (await env.out.commit()).readFile(ETCD_SNAPSHOT_PATH));
    const status = JSON.parse(etcdctl(['snapshot', 'status', file, '-w', 'json'])) as { revision: number; totalKey: number; totalSize: number };
    const details = result.details as { revision: number; keys: number; totalKeys: number; size: number; endpoint: string; version: string };
    expect(details.revision).toBe(status.revision);
    expect(details.endpoint).toBe(endpoint);
    expect(details.version).toMatch(/^3\./);
    expect(details.size).toBe(fs.statSync(file).size);
    // etcdctl's TOTAL KEYS counts every bbolt entry (each revision kept, etcd's own buckets): the
    // source reads it from the pages as they stream by. `keys` is the live keys at the revision.
    const live = JSON.parse(etcdctl(['--endpoints', endpoint, 'get', '', '--prefix', '--keys-only', '--limit=1', `--rev=${status.revision}`, '-w', 'json'])) as { count: number };
    expect(details.keys).toBe(live.count);
    expect(details.keys).toBe(280 + 2000 + 5);
    expect(details.totalKeys).toBe(status.totalKey);
    expect(result.captured[0]).toMatchObject({ id: 'etcd:snapshot', path: ETCD_SNAPSHOT_PATH, bytes: details.size });
    expect(ctx.counts.bytesDone).toBe(details.size);
    expect(ctx.phases).toContain('snapshot');
    expect(ctx.warnings).toEqual([]);
  });

  it('fails naming the endpoint and the error when etcd cannot be reached', async () => {
    const endpoint = 'http://127.0.0.1:1';
    const started = Date.now();
    const err = await etcdSource({ endpoints: [endpoint], timeoutMs: 3000 })
      .run(recordingContext(), env.out.sink)
      .then(() => undefined, (e: Error) => e);
    expect(err?.message).toContain(endpoint);
    expect(err?.message).toMatch(/ECONNREFUSED|unavailable|connect/i);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('stops the snapshot stream when the job is aborted', async () => {
    const ctx = recordingContext();
    const progress = ctx.progress.bind(ctx);
    ctx.progress = (u) => {
      progress(u);
      if ((u.bytesDone ?? 0) > 0) ctx.abort(new Error('cancelled by the test'));
    };
    await expect(etcdSource({ endpoints: [env.lab.services.etcd!.address] }).run(ctx, env.out.sink)).rejects.toThrow(/cancelled by the test|abort/i);
  });
});
