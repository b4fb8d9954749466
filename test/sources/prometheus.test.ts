import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import yaml from 'js-yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { prometheusName, prometheusSource } from '../../src/engine/sources/prometheus/backup.ts';
import { recordingContext, sourceTestEnvironment } from './sink.ts';

const env = sourceTestEnvironment(['prometheus'], 'prom');

beforeAll(async () => {
  // Wait for a few samples, so the TSDB snapshot has data in it.
  const url = `${env.lab.services.prometheus!.address}/api/v1/query?query=up`;
  for (let i = 0; i < 100; i++) {
    const body = (await (await fetch(url)).json()) as { data: { result: unknown[] } };
    if (body.data.result.length) break;
    await new Promise((r) => setTimeout(r, 200));
  }
});

describe('the Prometheus source', () => {
  it('captures the loaded config, the rule files and a TSDB snapshot of the lab Prometheus', async () => {
    const prom = env.lab.services.prometheus!;
    const ctx = recordingContext();
    const result = await prometheusSource({ servers: [{ name: 'lab', url: prom.address, ruleFiles: [prom.extra!.rules!], tsdbSnapshot: true }] }).run(ctx, env.out.sink);
    expect(ctx.warnings).toEqual([]);
    expect(result.skipped).toEqual([]);
    const snap = await env.out.commit();

    const loaded = yaml.load((await snap.readFile('/prometheus/lab/prometheus.yml')).toString()) as { rule_files: string[]; scrape_configs: { job_name: string }[] };
    expect(loaded.rule_files).toEqual([prom.extra!.rules]);
    expect(loaded.scrape_configs.map((s) => s.job_name)).toEqual(['prometheus']);

    const rules = await snap.readFile(`/prometheus/lab/rules${prom.extra!.rules}`);
    expect(rules.equals(fs.readFileSync(prom.extra!.rules!))).toBe(true);
    expect(result.captured.find((c) => c.id.includes('/rules/'))?.details).toMatchObject({ groups: 1 });

    const tsdbItem = result.captured.find((c) => c.id === 'prometheus:lab/tsdb')!;
    expect(tsdbItem.details!.blocks).toBeGreaterThanOrEqual(1);
    const restored = path.join(env.tmp, 'tsdb');
    await snap.extractTree('/prometheus/lab/tsdb', restored);
    const listed = execFileSync('promtool', ['tsdb', 'list', restored], { encoding: 'utf8' });
    expect(listed.trim().split('\n').length).toBeGreaterThanOrEqual(2); // a header and a block
    // The snapshot on the server's disk is removed after the copy.
    expect(fs.readdirSync(path.join(prom.extra!.tsdb!, 'snapshots'))).toEqual([]);
    expect(ctx.counts.bytesDone).toBe(ctx.counts.bytesTotal);
    expect(ctx.counts.bytesDone).toBe(result.bytes);
  });

  it('retries 5xx answers, and warns about rule files and TSDB snapshots it cannot reach', async () => {
    let configCalls = 0;
    const server = http.createServer((req, res) => {
      const send = (status: number, data: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(status === 200 ? { status: 'success', data } : { status: 'error', error: 'busy' }));
      };
      if (req.url === '/api/v1/status/config') return ++configCalls < 3 ? send(503, null) : send(200, { yaml: 'global: {}\n' });
      if (req.url === '/api/v1/rules') return send(200, { groups: [{ name: 'g', file: '/etc/prometheus/rules/remote.yml' }] });
      if (req.url === '/api/v1/status/flags') return send(200, { 'storage.tsdb.path': 'data/' });
      if (req.url === '/api/v1/admin/tsdb/snapshot' && req.method === 'POST') return send(200, { name: '20240101T000000Z-abc' });
      send(404, null);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const ctx = recordingContext();
      const result = await prometheusSource({ servers: [{ url, tsdbSnapshot: true }] }).run(ctx, env.out.sink);
      expect(configCalls).toBe(3);
      const name = prometheusName({ url });
      expect(name).toBe(`127.0.0.1-${new URL(url).port}`);
      expect(result.captured.map((c) => c.path)).toEqual([`/prometheus/${name}/prometheus.yml`]);
      expect(result.skipped.map((s) => s.id)).toEqual([`prometheus:${name}/rules/etc/prometheus/rules/remote.yml`, `prometheus:${name}/tsdb`]);
      expect(ctx.warnings[0]).toMatch(/rule file \/etc\/prometheus\/rules\/remote.yml .*cannot be read here.*ruleFiles/);
      expect(ctx.warnings[1]).toMatch(/TSDB snapshot 20240101T000000Z-abc .*data\/\/?snapshots.*dataDir/);
      const snap = await env.out.commit();
      expect((await snap.readFile(`/prometheus/${name}/prometheus.yml`)).toString()).toBe('global: {}\n');
    } finally {
      server.close();
    }
  });

  it('fails naming the server when it cannot be reached', async () => {
    const err = await prometheusSource({ servers: [{ url: 'http://127.0.0.1:1' }] })
      .run(recordingContext(), env.out.sink)
      .then(() => undefined, (e: Error) => e);
    expect(err?.message).toMatch(/^Prometheus http:\/\/127.0.0.1:1: /);
  });
});
