import { ApiException, AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, KubernetesObjectApi, PatchStrategy, Watch, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './helpers.ts';

let c: Cluster;
let kc: KubeConfig;
let core: CoreV1Api;
beforeAll(async () => {
  c = await startCluster('api');
  kc = new KubeConfig();
  kc.loadFromFile(c.kubeconfig);
  core = kc.makeApiClient(CoreV1Api);
});
afterAll(async () => {
  await c?.stop();
});

async function failure(p: Promise<unknown>): Promise<ApiException<any>> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiException) return e;
    throw e;
  }
  throw new Error('expected the call to fail');
}

const statusOf = (e: ApiException<any>) => (typeof e.body === 'string' ? JSON.parse(e.body) : e.body);

describe('@kubernetes/client-node against the lab API server', () => {
  it('creates, reads, lists, patches, replaces and deletes', async () => {
    await core.createNamespace({ body: { metadata: { name: 'client' } } });
    const cm = await core.createNamespacedConfigMap({ namespace: 'client', body: { metadata: { name: 'settings', labels: { app: 'shop' } }, data: { a: '1' } } });
    expect(cm.metadata?.uid).toBeTruthy();
    expect((await core.readNamespacedConfigMap({ name: 'settings', namespace: 'client' })).data).toEqual({ a: '1' });
    const generated = await core.createNamespacedConfigMap({ namespace: 'client', body: { metadata: { generateName: 'gen-' }, data: {} } });
    expect(generated.metadata?.name).toMatch(/^gen-[a-z0-9]{5}$/);
    const list = await core.listNamespacedConfigMap({ namespace: 'client', labelSelector: 'app in (shop,web)' });
    expect(list.items.map((i) => i.metadata?.name)).toEqual(['settings']);
    expect((await core.listNamespacedConfigMap({ namespace: 'client', fieldSelector: 'metadata.name!=settings' })).items.map((i) => i.metadata?.name)).toEqual([generated.metadata?.name]);
    const patched = await core.patchNamespacedConfigMap(
      { name: 'settings', namespace: 'client', body: { data: { b: '2' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(patched.data).toEqual({ a: '1', b: '2' });
    const jsonPatched = await core.patchNamespacedConfigMap(
      { name: 'settings', namespace: 'client', body: [{ op: 'remove', path: '/data/a' }] },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    expect(jsonPatched.data).toEqual({ b: '2' });
    const stale = { ...cm, data: { c: '3' } };
    const conflict = await failure(core.replaceNamespacedConfigMap({ name: 'settings', namespace: 'client', body: stale }));
    expect(conflict.code).toBe(409);
    expect(statusOf(conflict).reason).toBe('Conflict');
    const fresh = await core.replaceNamespacedConfigMap({ name: 'settings', namespace: 'client', body: { ...jsonPatched, data: { c: '3' } } });
    expect(fresh.data).toEqual({ c: '3' });
    await core.deleteNamespacedConfigMap({ name: 'settings', namespace: 'client' });
    const gone = await failure(core.readNamespacedConfigMap({ name: 'settings', namespace: 'client' }));
    expect(gone.code).toBe(404);
    expect(statusOf(gone)).toMatchObject({ kind: 'Status', reason: 'NotFound', message: 'configmaps "settings" not found' });
  });

  it('serves deployments with generation and status, the scale subresource, and custom objects', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    const body = {
      metadata: { name: 'web' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'lab/web:1' }] } } },
    };
    await apps.createNamespacedDeployment({ namespace: 'client', body });
    await apps.patchNamespacedDeploymentScale({ name: 'web', namespace: 'client', body: { spec: { replicas: 3 } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    const d = await apps.readNamespacedDeployment({ name: 'web', namespace: 'client' });
    expect(d.spec?.replicas).toBe(3);
    expect(d.metadata?.generation).toBe(2);
    await c.until('3 ready replicas', async () => (await apps.readNamespacedDeploymentStatus({ name: 'web', namespace: 'client' })).status?.readyReplicas === 3);
    const scale = await apps.readNamespacedDeploymentScale({ name: 'web', namespace: 'client' });
    expect(scale.status).toEqual({ replicas: 3, selector: 'app=web' });

    const objects = KubernetesObjectApi.makeApiClient(kc);
    // client-node serializes typed kinds by its model's property names: the schema's
    // x-kubernetes-preserve-unknown-fields is x_kubernetes_preserve_unknown_fields here (written as
    // the JSON name, it would be dropped, and the server would prune the custom object's spec).
    await objects.create({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'backups.lifeboat.dev' },
      spec: { group: 'lifeboat.dev', scope: 'Cluster', names: { plural: 'backups', singular: 'backup', kind: 'Backup' }, versions: [{ name: 'v1alpha1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true } } }] },
    } as never);
    const custom = kc.makeApiClient(CustomObjectsApi);
    await custom.createClusterCustomObject({ group: 'lifeboat.dev', version: 'v1alpha1', plural: 'backups', body: { apiVersion: 'lifeboat.dev/v1alpha1', kind: 'Backup', metadata: { name: 'nightly' }, spec: { keep: 7 } } });
    const got = (await custom.getClusterCustomObject({ group: 'lifeboat.dev', version: 'v1alpha1', plural: 'backups', name: 'nightly' })) as any;
    expect(got.spec.keep).toBe(7);
    expect(got.metadata.generation).toBe(1);
    const crd = await objects.read({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'backups.lifeboat.dev' } } as never) as any;
    expect(crd.status.conditions.find((x: any) => x.type === 'Established').status).toBe('True');
    // etcd key layout, as kube-apiserver's: group-qualified for CRDs and custom resources.
    const keys = (await c.server.api.store.client.getAll().prefix('/registry/').keys()).filter((k) => /lifeboat\.dev|deployments\/client|configmaps\/client/.test(k));
    expect(keys).toEqual(expect.arrayContaining([
      '/registry/apiextensions.k8s.io/customresourcedefinitions/backups.lifeboat.dev',
      '/registry/lifeboat.dev/backups/nightly',
      '/registry/deployments/client/web',
    ]));
    const stored = JSON.parse((await c.server.api.store.client.get('/registry/deployments/client/web').string())!);
    expect(stored.kind).toBe('Deployment');
    expect(stored.metadata.resourceVersion).toBeUndefined();
  });

  it('watches from a resourceVersion', async () => {
    const list = await core.listNamespacedConfigMap({ namespace: 'client' });
    const events: string[] = [];
    const watch = new Watch(kc);
    const done = new Promise<void>((resolve) => {
      void watch.watch('/api/v1/namespaces/client/configmaps', { resourceVersion: list.metadata?.resourceVersion }, (type, obj) => {
        events.push(`${type} ${obj.metadata.name}`);
        if (events.length === 3) resolve();
      }, () => resolve());
    });
    await new Promise((r) => setTimeout(r, 200));
    await core.createNamespacedConfigMap({ namespace: 'client', body: { metadata: { name: 'watched' }, data: { x: '1' } } });
    await core.patchNamespacedConfigMap({ name: 'watched', namespace: 'client', body: { data: { x: '2' } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await core.deleteNamespacedConfigMap({ name: 'watched', namespace: 'client' });
    await done;
    expect(events).toEqual(['ADDED watched', 'MODIFIED watched', 'DELETED watched']);
    const kubectlWatch = await c.kubectl(['get', 'configmaps', '-n', 'client', '--watch', '--request-timeout=2s', '-o', 'name']);
    expect(kubectlWatch.stdout).toContain('configmap/');
  });

  it('answers unknown resources, malformed and oversized bodies with the Status a real server gives, and stays up', async () => {
    const unknown = await c.request('GET', '/api/v1/namespaces/client/widgets');
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404 });
    const malformed = await c.request('POST', '/api/v1/namespaces/client/configmaps', undefined, { raw: '{"metadata": {"name": "x"' });
    expect(malformed.status).toBe(400);
    expect(malformed.json).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400 });
    const big = JSON.stringify({ metadata: { name: 'big' }, data: { blob: 'x'.repeat(3 * 1024 * 1024 + 10) } });
    const oversized = await c.request('POST', '/api/v1/namespaces/client/configmaps', undefined, { raw: big });
    expect(oversized.status).toBe(413);
    expect(oversized.json).toMatchObject({ kind: 'Status', reason: 'RequestEntityTooLarge', code: 413 });
    const invalid = await c.request('POST', '/api/v1/namespaces/client/configmaps', { metadata: { name: 'Not_Valid' } });
    expect(invalid.status).toBe(422);
    expect(invalid.json.reason).toBe('Invalid');
    const anonymous = await c.request('GET', '/api/v1/namespaces', undefined, { token: null });
    expect(anonymous.status).toBe(401);
    expect(anonymous.json).toMatchObject({ reason: 'Unauthorized', code: 401 });
    const readonly = await c.request('DELETE', '/api/v1/namespaces/client', undefined, { token: 'lab-readonly-token' });
    expect(readonly.status).toBe(403);
    const noNamespace = await c.request('POST', '/api/v1/namespaces/nowhere/configmaps', { metadata: { name: 'x' } });
    expect(noNamespace.json).toMatchObject({ reason: 'NotFound', message: 'namespaces "nowhere" not found' });
    const notAllowed = await c.request('DELETE', '/api/v1/componentstatuses/x');
    expect(notAllowed.status).toBe(405);
    const ssa = await c.request('PATCH', '/api/v1/namespaces/client/configmaps/kube-root', undefined, { raw: 'a: b', contentType: 'application/apply-patch+yaml' });
    expect(ssa.status).toBe(400);
    expect(ssa.json.message).toBe('fieldManager is required for apply requests');
    expect((await c.request('GET', '/version')).json.gitVersion).toMatch(/^v1\.32/);
    expect((await core.listNamespace()).items.length).toBeGreaterThan(3);
  });

  it('injects 429s and 500s: kubectl retries 429 with Retry-After, client-node reports them', async () => {
    c.server.faults.retryAfterSeconds = 1;
    c.server.faults.failNext(2, 429);
    const t0 = Date.now();
    const r = await c.kubectl(['get', 'namespaces', '-o', 'name']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('namespace/client');
    expect(Date.now() - t0).toBeGreaterThan(1500);
    expect(c.server.faults.injected[429]).toBe(2);

    c.server.faults.failNext(1, 429);
    const throttled = await failure(core.listNamespace());
    expect(throttled.code).toBe(429);
    expect(throttled.headers['retry-after']).toBe('1');
    expect(statusOf(throttled).reason).toBe('TooManyRequests');

    c.server.faults.failNext(1, 500);
    const broken = await failure(core.listNamespace());
    expect(broken.code).toBe(500);
    const kubectl500 = await (async () => {
      c.server.faults.failNext(1, 500);
      return c.kubectl(['get', 'configmaps', '-n', 'client']);
    })();
    expect(kubectl500.stderr).toContain('InternalError');

    c.server.faults.set({ latencyMs: 300 });
    const t1 = Date.now();
    await core.listNamespacedConfigMap({ namespace: 'client' });
    expect(Date.now() - t1).toBeGreaterThanOrEqual(290);
    c.server.faults.reset();

    c.server.faults.set({ cutListAfterPages: 0 });
    const cut = await core.listNamespacedConfigMap({ namespace: 'client' }).then(() => 'ok', (e) => String(e));
    expect(cut).not.toBe('ok');
    c.server.faults.reset();
    expect((await core.listNamespacedConfigMap({ namespace: 'client' })).items.length).toBeGreaterThan(0);
  });
});
