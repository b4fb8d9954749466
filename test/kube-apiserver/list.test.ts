import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startCluster, type Cluster } from './helpers.ts';

const COUNT = 10_000;
let c: Cluster;
beforeAll(async () => {
  c = await startCluster('list', { controllers: false });
  const api = c.server.api;
  await api.create(api.registry.lookup('v1', 'namespaces')!, undefined, { metadata: { name: 'bulk' } });
  // Written straight to etcd in transactions of 100, as the server stores them (fast setup).
  for (let start = 0; start < COUNT; start += 100) {
    const success = [];
    for (let i = start; i < start + 100; i++) {
      const name = `cm-${String(i).padStart(5, '0')}`;
      const object = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, namespace: 'bulk', uid: randomUUID(), creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), labels: { parity: i % 2 ? 'odd' : 'even' } },
        data: { i: String(i) },
      };
      success.push({ request_put: { key: Buffer.from(`/registry/configmaps/bulk/${name}`), value: Buffer.from(JSON.stringify(object)) } });
    }
    await api.store.client.kv.txn({ success });
  }
}, 180_000);
afterAll(async () => {
  await c?.stop();
});

it('lists 10,000 ConfigMaps with limit=500, each exactly once, from one consistent snapshot', async () => {
  const seen = new Set<string>();
  let total = 0;
  let token: string | undefined;
  let pages = 0;
  let revision: string | undefined;
  do {
    const res = await c.request('GET', `/api/v1/namespaces/bulk/configmaps?limit=500${token ? `&continue=${encodeURIComponent(token)}` : ''}`);
    expect(res.status).toBe(200);
    const list = res.json;
    if (pages === 0) {
      expect(list.metadata.remainingItemCount).toBe(COUNT - 500);
      revision = list.metadata.resourceVersion;
      // Written after the first page: not part of this list.
      await c.request('POST', '/api/v1/namespaces/bulk/configmaps', { metadata: { name: 'zz-late' } });
    } else expect(list.metadata.resourceVersion).toBe(revision);
    expect(list.items.length).toBeLessThanOrEqual(500);
    for (const item of list.items) seen.add(item.metadata.name);
    total += list.items.length;
    token = list.metadata.continue;
    pages++;
  } while (token);
  expect(total).toBe(COUNT);
  expect(seen.size).toBe(COUNT);
  expect(pages).toBe(COUNT / 500);
  expect(seen.has('zz-late')).toBe(false);
});

it('pages through a label selector, and refuses a forged continue token', async () => {
  let token: string | undefined;
  let total = 0;
  do {
    const res = await c.request('GET', `/api/v1/namespaces/bulk/configmaps?limit=700&labelSelector=parity%3Dodd${token ? `&continue=${encodeURIComponent(token)}` : ''}`);
    total += res.json.items.length;
    expect(res.json.items.every((i: any) => i.metadata.labels.parity === 'odd')).toBe(true);
    token = res.json.metadata.continue;
  } while (token);
  expect(total).toBe(COUNT / 2);
  const forged = await c.request('GET', '/api/v1/namespaces/bulk/configmaps?limit=10&continue=bm90LWEtdG9rZW4=');
  expect(forged.status).toBe(400);
  expect(forged.json.reason).toBe('BadRequest');
});

it('lists them through kubectl (which pages with limit=500)', async () => {
  const r = await c.kubectl(['get', 'configmaps', '-n', 'bulk', '-o', 'name']);
  expect(r.code).toBe(0);
  expect(r.stdout.trim().split('\n')).toHaveLength(COUNT + 1);
});
