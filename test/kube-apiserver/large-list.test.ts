import { afterAll, beforeAll, expect, it } from 'vitest';
import { startCluster, type Cluster } from './helpers.ts';

// Six CRDs of ~800 KiB each (long schema descriptions, as generated CRDs have): their list is
// about 4.8 MiB, over the 4 MiB that a default etcd gRPC client accepts in one response.
const CRDS = 6;
const crd = (i: number) => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `bigs${i}.lab.lifeboat.dev` },
  spec: {
    group: 'lab.lifeboat.dev',
    scope: 'Namespaced',
    names: { plural: `bigs${i}`, singular: `big${i}`, kind: `Big${i}` },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: Object.fromEntries(
              Array.from({ length: 400 }, (_, f) => [`field${f}`, { type: 'string', description: `Field ${f} of Big${i}. `.repeat(100) }]),
            ),
          },
        },
      },
    ],
  },
});

let c: Cluster;
beforeAll(async () => {
  c = await startCluster('large-list');
  for (let i = 0; i < CRDS; i++) {
    const r = await c.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd(i));
    expect(r.status, r.text.slice(0, 300)).toBe(201);
  }
}, 120_000);
afterAll(async () => c?.stop());

it('kubectl get of a list over 4 MiB works, and kubectl get ns right after is never refused', async () => {
  const whole = await c.request('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions');
  expect(whole.status).toBe(200);
  expect(whole.text.length).toBeGreaterThan(4 * 1024 * 1024);
  expect(whole.json.items).toHaveLength(CRDS);
  for (let round = 0; round < 3; round++) {
    const crds = await c.kubectl(['get', 'crd', '-o', 'name']);
    expect(crds.stderr).toBe('');
    expect(crds.stdout.trim().split('\n')).toHaveLength(CRDS);
    const ns = await c.kubectl(['get', 'ns']);
    expect(ns.code, ns.stderr).toBe(0);
    expect(ns.stdout).toMatch(/^default\s/m);
  }
  const json = await c.kubectl(['get', 'crd', '-o', 'json']);
  expect(json.code, json.stderr.slice(0, 300)).toBe(0);
  expect(JSON.parse(json.stdout).items).toHaveLength(CRDS);
});
