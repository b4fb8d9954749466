import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { seedKubernetes } from '../../src/lab/seed/kubernetes.ts';
import { startCluster, type Cluster } from './helpers.ts';

let c: Cluster;
beforeAll(async () => {
  c = await startCluster('seed');
});
afterAll(async () => {
  await c?.stop();
});

it('seeds the shop and monitoring namespaces, idempotently', async () => {
  const first = await seedKubernetes(c.kubeconfig, c.dir, { registry: '127.0.0.1:5000' });
  expect(first.created).toEqual(expect.arrayContaining(['Deployment/shop/frontend', 'StatefulSet/shop/postgres', 'CronJob/shop/nightly-report', 'Pod/shop/debug-shell', 'Ingress/shop/shop', 'AlertRule/monitoring/api-latency', 'ConfigMap/monitoring/prometheus-config']));
  expect(fs.readFileSync(path.join(first.postgresDataDir!, 'PG_VERSION'), 'utf8')).toBe('15\n');
  const second = await seedKubernetes(c.kubeconfig, c.dir, { registry: '127.0.0.1:5000' });
  expect(second.created).toEqual([]);
  expect(second.postgresDataDir).toBe(first.postgresDataDir);

  await c.until('shop pods running', async () => {
    const pods = (await c.request('GET', '/api/v1/namespaces/shop/pods')).json.items as any[];
    return pods.length === 6 && pods.every((p) => p.status?.phase === 'Running') && pods;
  });
  const d = (await c.request('GET', '/apis/apps/v1/namespaces/shop/deployments/frontend')).json;
  expect(d.spec.template.spec.containers[0].image).toBe('127.0.0.1:5000/lab/shop-frontend:1.4');
  const bare = (await c.request('GET', '/api/v1/namespaces/shop/pods/debug-shell')).json;
  expect(bare.metadata.ownerReferences).toBeUndefined();
  const rules = await c.kubectl(['get', 'alertrules', '-n', 'monitoring', '-o', 'name']);
  expect(rules.stdout.trim().split('\n')).toHaveLength(3);
  const all = await c.kubectl(['get', 'all', '-n', 'shop']);
  expect(all.code).toBe(0);
  expect(all.stdout).toContain('cronjob.batch/nightly-report');
});
