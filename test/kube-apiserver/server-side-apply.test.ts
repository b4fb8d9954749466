import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yaml from 'js-yaml';
import { startCluster, type Cluster } from './helpers.ts';

// Server-side apply as kubectl 1.32 drives it: creation, managedFields, field managers,
// conflicts (409) with the message kube-apiserver gives, --force-conflicts, and removal of the
// fields a manager stops applying.
const doc = (...objects: unknown[]) => objects.map((o) => yaml.dump(o)).join('---\n');
const deployment = (replicas: number, image: string, extraEnv = true) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'ssa', labels: { app: 'web' } },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image, ports: [{ containerPort: 8080 }], env: [{ name: 'MODE', value: 'prod' }, ...(extraEnv ? [{ name: 'DEBUG', value: '0' }] : [])] }] },
    },
  },
});

describe('server-side apply', () => {
  let c: Cluster;
  const ssa = (o: unknown, extra: string[] = []) => c.kubectl(['apply', '--server-side', ...extra, '-f', '-'], { input: doc(o) });
  const get = async () => (await c.request('GET', '/apis/apps/v1/namespaces/ssa/deployments/web')).json;
  beforeAll(async () => {
    c = await startCluster('ssa');
    expect((await c.kubectl(['create', 'namespace', 'ssa'])).code).toBe(0);
  });
  afterAll(async () => c?.stop());

  it('creates a missing object and records its manager', async () => {
    const r = await ssa(deployment(2, 'lab/web:1'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('deployment.apps/web serverside-applied');
    const d = await get();
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.template.spec.containers[0].ports[0].protocol).toBe('TCP');
    expect(d.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']).toBeUndefined();
    const entry = d.metadata.managedFields.find((e: any) => e.manager === 'kubectl');
    expect(entry).toMatchObject({ operation: 'Apply', apiVersion: 'apps/v1', fieldsType: 'FieldsV1' });
    expect(entry.fieldsV1['f:spec']['f:replicas']).toEqual({});
    expect(entry.fieldsV1['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"web"}']['f:image']).toEqual({});
    expect(entry.fieldsV1['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"web"}']['f:ports']['k:{"containerPort":8080,"protocol":"TCP"}']).toBeDefined();
    expect(entry.fieldsV1['f:spec']['f:progressDeadlineSeconds']).toBeUndefined();
  });

  it('a change by another manager makes the next apply conflict (409), and --force-conflicts takes the field', async () => {
    expect((await c.kubectl(['-n', 'ssa', 'scale', 'deployment', 'web', '--replicas=5'])).code).toBe(0);
    const scaled = await get();
    expect(scaled.metadata.managedFields.find((e: any) => e.subresource === 'scale')).toMatchObject({ operation: 'Update', fieldsV1: { 'f:spec': { 'f:replicas': {} } } });
    const patched = await c.kubectl(['-n', 'ssa', 'patch', 'deployment', 'web', '--type=merge', '-p', JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'web', image: 'lab/web:hotfix', ports: [{ containerPort: 8080 }], env: [{ name: 'MODE', value: 'prod' }] }] } } } }), '--field-manager=hotfixer']);
    expect(patched.code, patched.stderr).toBe(0);
    const r = await ssa(deployment(2, 'lab/web:2'));
    expect(r.code).not.toBe(0);
    const t = (await get()).metadata.managedFields.find((e: any) => e.manager === 'hotfixer').time;
    // The image is the hotfixer's, the replicas the scale subresource's writer's.
    expect(r.stderr).toMatch(/error: Apply failed with 2 conflicts: conflicts with "hotfixer" using apps\/v1 at \S+:\n- \.spec\.template\.spec\.containers\[name="web"\]\.image\nconflicts with "kubectl" with subresource "scale" using apps\/v1 at \S+:\n- \.spec\.replicas/);
    expect(r.stderr).toContain(`conflicts with "hotfixer" using apps/v1 at ${t}:`);
    expect((await get()).spec.template.spec.containers[0].image).toBe('lab/web:hotfix');
    const raw = await c.request('PATCH', '/apis/apps/v1/namespaces/ssa/deployments/web?fieldManager=kubectl', undefined, { raw: yaml.dump(deployment(2, 'lab/web:2')), contentType: 'application/apply-patch+yaml' });
    expect(raw.status).toBe(409);
    expect(raw.json.reason).toBe('Conflict');
    expect(raw.json.details.causes.map((x: any) => x.field)).toContain('.spec.template.spec.containers[name="web"].image');
    const forced = await ssa(deployment(2, 'lab/web:2'), ['--force-conflicts']);
    expect(forced.code, forced.stderr).toBe(0);
    const d = await get();
    expect(d.spec.template.spec.containers[0].image).toBe('lab/web:2');
    expect(d.spec.replicas).toBe(2);
    const hot = d.metadata.managedFields.find((e: any) => e.manager === 'hotfixer');
    expect(JSON.stringify(hot?.fieldsV1 ?? {})).not.toContain('f:image');
  });

  it('removes fields the manager no longer applies, keeps those others own', async () => {
    expect((await c.kubectl(['-n', 'ssa', 'label', 'deployment', 'web', 'team=shop'])).code).toBe(0);
    const r = await ssa(deployment(2, 'lab/web:2', false));
    expect(r.code, r.stderr).toBe(0);
    const d = await get();
    expect(d.spec.template.spec.containers[0].env).toEqual([{ name: 'MODE', value: 'prod' }]);
    expect(d.metadata.labels).toEqual({ app: 'web', team: 'shop' });
  });

  it('applies ConfigMaps too big for client-side apply, and kubectl diff --server-side sees no change', async () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big', namespace: 'ssa' }, data: { blob: 'y'.repeat(400 * 1024) } };
    expect((await c.kubectl(['apply', '-f', '-'], { input: doc(cm) })).stderr).toContain('Too long: may not be more than 262144 bytes');
    const r = await ssa(cm);
    expect(r.code, r.stderr).toBe(0);
    const again = await ssa(cm);
    expect(again.stdout.trim()).toBe('configmap/big serverside-applied');
    const diff = await c.kubectl(['diff', '--server-side', '-f', '-'], { input: doc(cm) });
    expect(diff.code, diff.stderr + diff.stdout).toBe(0);
  });

  it('refuses an apply without a field manager, and tracks Update managers of plain writes', async () => {
    const r = await c.request('PATCH', '/api/v1/namespaces/ssa/configmaps/x', undefined, { raw: 'apiVersion: v1\nkind: ConfigMap\n', contentType: 'application/apply-patch+yaml' });
    expect(r.status).toBe(400);
    expect(r.json.message).toContain('fieldManager is required for apply requests');
    expect((await c.kubectl(['-n', 'ssa', 'create', 'configmap', 'plain', '--from-literal=a=1'])).code).toBe(0);
    const cm = (await c.request('GET', '/api/v1/namespaces/ssa/configmaps/plain')).json;
    expect(cm.metadata.managedFields).toEqual([
      { manager: 'kubectl-create', operation: 'Update', apiVersion: 'v1', time: expect.any(String), fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { '.': {}, 'f:a': {} } } },
    ]);
  });
});
