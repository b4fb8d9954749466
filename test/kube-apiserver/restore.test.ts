import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stopGroup } from '../../src/lab/process.ts';
import type { ServiceState } from '../../src/lab/service.ts';
import { startEtcd } from '../../src/lab/services/etcd.ts';
import { startCluster, type Cluster } from './helpers.ts';

const MANIFEST = `
apiVersion: v1
kind: Namespace
metadata: { name: shop }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: settings, namespace: shop }
data: { THEME: dark }
---
apiVersion: v1
kind: Secret
metadata: { name: db, namespace: shop }
stringData: { PASSWORD: hunter2 }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: lab/web:1 }] }
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: alertrules.monitoring.lifeboat.dev }
spec:
  group: monitoring.lifeboat.dev
  scope: Namespaced
  names: { plural: alertrules, singular: alertrule, kind: AlertRule }
  versions: [{ name: v1, served: true, storage: true, schema: { openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true } } }]
`;

let c: Cluster;
let restored: ServiceState | undefined;
beforeAll(async () => {
  c = await startCluster('restore');
});
afterAll(async () => {
  if (restored) await stopGroup(restored.pid);
  await c?.stop();
});

const etcdctl = (args: string[]) => execFileSync('etcdctl', args, { env: { ...process.env, ETCDCTL_API: '3' }, encoding: 'utf8', stdio: 'pipe' });

it('serves the same objects after etcdctl snapshot save, wiping etcd, and etcdctl snapshot restore', async () => {
  expect((await c.kubectl(['apply', '-f', '-'], { input: MANIFEST })).code).toBe(0);
  expect((await c.kubectl(['apply', '-f', '-'], { input: 'apiVersion: monitoring.lifeboat.dev/v1\nkind: AlertRule\nmetadata: {name: slow, namespace: shop}\nspec: {expr: up == 0}\n' })).code).toBe(0);
  await c.until('2 web pods', async () => ((await c.request('GET', '/api/v1/namespaces/shop/pods')).json.items ?? []).filter((p: any) => p.status?.phase === 'Running').length === 2);
  await c.server.settle();
  const dump = async () => {
    const out: Record<string, unknown> = {};
    for (const p of ['/api/v1/namespaces/shop/configmaps', '/api/v1/namespaces/shop/secrets', '/apis/apps/v1/namespaces/shop/deployments', '/apis/apps/v1/namespaces/shop/replicasets', '/api/v1/namespaces/shop/pods', '/apis/monitoring.lifeboat.dev/v1/namespaces/shop/alertrules', '/api/v1/namespaces']) {
      out[p] = (await c.request('GET', p)).json.items.map((i: any) => [i.metadata.name, i.metadata.uid, i.metadata.resourceVersion]);
    }
    return out;
  };
  const before = await dump();

  const snapshot = path.join(c.dir, 'etcd.snapshot');
  etcdctl(['--endpoints', c.etcd.address, 'snapshot', 'save', snapshot]);
  await c.server.close();
  await stopGroup(c.etcd.pid);
  fs.rmSync(c.etcd.extra!.dataDir, { recursive: true, force: true });

  const dataDir = path.join(c.dir, 'etcd-restored', 'data');
  etcdctl(['snapshot', 'restore', snapshot, '--data-dir', dataDir, '--name', 'lab', '--initial-cluster', 'lab=http://127.0.0.1:2380', '--initial-advertise-peer-urls', 'http://127.0.0.1:2380']);
  restored = await startEtcd({ dir: c.dir, owner: process.pid, started: new Map(), kubeconfig: c.kubeconfig }, { dataDir, name: 'etcd-restored' });
  await c.restartServer(restored.address);
  await c.server.settle();

  expect(await dump()).toEqual(before);
  const secret = (await c.request('GET', '/api/v1/namespaces/shop/secrets/db')).json;
  expect(Buffer.from(secret.data.PASSWORD, 'base64').toString()).toBe('hunter2');
  const out = await c.kubectl(['get', 'alertrules', '-n', 'shop', '-o', 'name']);
  expect(out.stdout).toBe('alertrule.monitoring.lifeboat.dev/slow\n');
  // The controllers work on the restored cluster.
  expect((await c.kubectl(['scale', 'deployment', 'web', '-n', 'shop', '--replicas=3'])).code).toBe(0);
  await c.until('3 web pods after restore', async () => ((await c.request('GET', '/api/v1/namespaces/shop/pods')).json.items ?? []).filter((p: any) => p.status?.phase === 'Running').length === 3);
});
