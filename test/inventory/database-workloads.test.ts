// Databases found in the cluster: the seeded shop's PostgreSQL StatefulSet in the lab's cluster,
// seen by `lifeboat inventory`, at risk with no dump and covered with one; and the classifier on
// plain objects for the other engines.
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/engine/kube/client.ts';
import type { ApiResource } from '../../src/engine/kube/discovery.ts';
import { classifyDatabaseWorkloads, imageBaseName } from '../../src/engine/inventory/database-workloads.ts';
import { labConfig, startLab, type Lab } from '../../src/lab/lab.ts';
import { seedKubernetes } from '../../src/lab/seed/kubernetes.ts';
import { lifeboat } from '../helpers/cli.ts';

let lab: Lab;

beforeAll(async () => {
  lab = await startLab({ owner: process.pid, services: ['kube-apiserver'] });
  await seedKubernetes(lab.kubeconfig, lab.dir, {});
});

afterAll(async () => {
  await lab?.stop();
});

interface Row {
  id: string;
  kind: string;
  name: string;
  namespace?: string;
  verdict: string;
  reason: string;
  source?: string;
  details?: Record<string, string>;
}

async function inventory(configFile: string): Promise<Row[]> {
  const r = await lifeboat(['inventory', '--json'], { env: { LIFEBOAT_CONFIG: configFile } });
  expect(r.code, r.stdout + r.stderr).toBe(0);
  // The Secret's value is never printed, only where it comes from.
  expect(r.stdout + r.stderr).not.toContain('lab-shop-password');
  return (JSON.parse(r.stdout) as { items: Row[] }).items;
}

describe('a database StatefulSet in the cluster', () => {
  it('with no dump configured is at risk, and the row says what to configure and where its password comes from', async () => {
    const items = await inventory(lab.configFile);
    const row = items.find((i) => i.kind === 'Database' && i.namespace === 'shop' && i.name === 'postgres');
    expect(row).toMatchObject({ verdict: 'at-risk', details: { engine: 'PostgreSQL', workload: 'StatefulSet shop/postgres', services: 'postgres' } });
    expect(row!.reason).toContain('its volume is copied while it writes; configure a dump');
    expect(row!.reason).toContain('databases[]');
    expect(row!.details!.passwords).toBe('environment from Secret shop/postgres-credentials');
    // Stateless workloads are not databases.
    expect(items.filter((i) => i.kind === 'Database' && i.namespace === 'shop').map((i) => i.name)).toEqual(['postgres']);
  });

  it('with a dump whose host is its Service is covered by that dump', async () => {
    const config = { ...labConfig(lab.state), databases: [{ name: 'shop', kind: 'postgresql', host: 'postgres.shop.svc.cluster.local', port: 5432, user: 'shop', database: 'shop' }] };
    const file = path.join(lab.dir, 'with-dump.yaml');
    fs.writeFileSync(file, yaml.dump(config));
    const row = (await inventory(file)).find((i) => i.kind === 'Database' && i.name === 'postgres');
    expect(row).toMatchObject({ verdict: 'needs-backup', source: 'databases', details: { coveredBy: 'database:shop/shop' } });
    expect(row!.reason).toContain("dumped by databases 'shop'");
  });
});

describe('the classifier', () => {
  const sts: ApiResource = { group: 'apps', version: 'v1', resource: 'statefulsets', kind: 'StatefulSet', namespaced: true } as ApiResource;
  const workload = (name: string, image: string, env: unknown[] = []): { resource: ApiResource; obj: KubeObject } => ({
    resource: sts,
    obj: { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name, namespace: 'apps' }, spec: { template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image, env }] } } } } as KubeObject,
  });

  it('knows database images by their repository name, whatever the registry, path and tag', () => {
    expect(imageBaseName('registry.example:5000/bitnami/postgresql:16.2@sha256:abc')).toBe('postgresql');
    const rows = classifyDatabaseWorkloads(
      [
        workload('maria', 'docker.io/library/mariadb:10.11', [{ name: 'MARIADB_ROOT_PASSWORD', valueFrom: { secretKeyRef: { name: 'maria-root', key: 'password' } } }]),
        workload('cache', 'redis:7-alpine'),
        workload('docs', 'mongo:7'),
        workload('web', 'nginx:1.27'),
        workload('mysql-8', 'mysql:8.4'),
      ],
      { mariadb: [{ name: 'maria', host: '10.0.0.5', workload: 'apps/maria' }] },
    );
    expect(rows.map((r) => [r.name, r.verdict, r.details?.engine])).toEqual([
      ['maria', 'needs-backup', 'MariaDB/MySQL'],
      ['cache', 'at-risk', 'Redis'],
      ['docs', 'at-risk', 'MongoDB'],
      ['mysql-8', 'at-risk', 'MariaDB/MySQL'],
    ]);
    expect(rows[0]!.details).toMatchObject({ coveredBy: 'mariadb:maria', passwords: 'MARIADB_ROOT_PASSWORD from Secret apps/maria-root key password' });
    expect(rows[1]!.reason).toContain('redis[]');
    expect(rows[2]!.reason).toContain('pre-backup hook');
  });
});
