import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yaml from 'js-yaml';
import { startCluster, type Cluster } from './helpers.ts';

// What a real 1.32 cluster has and does that workloads count on: default RBAC, the root CA
// ConfigMap, ReplicationControllers, and the PV controller's binding of pre-bound volumes.
const doc = (...objects: unknown[]) => objects.map((o) => yaml.dump(o)).join('---\n');

describe('objects and controllers of a real cluster', () => {
  let c: Cluster;
  const apply = (...o: unknown[]) => c.kubectl(['apply', '-f', '-'], { input: doc(...o) });
  const get = async (path: string) => (await c.request('GET', path)).json;
  beforeAll(async () => {
    c = await startCluster('cluster');
  });
  afterAll(async () => c?.stop());

  it('has the default ClusterRoles and bindings, and aggregates CRD roles into admin/edit/view', async () => {
    const roles = await c.kubectl(['get', 'clusterroles', '-o', 'name']);
    const names = roles.stdout.trim().split('\n').map((n) => n.replace('clusterrole.rbac.authorization.k8s.io/', ''));
    for (const n of ['cluster-admin', 'admin', 'edit', 'view', 'system:basic-user', 'system:discovery', 'system:public-info-viewer', 'system:node', 'system:kube-scheduler', 'system:kube-controller-manager', 'system:controller:deployment-controller', 'system:aggregate-to-edit']) {
      expect(names).toContain(n);
    }
    const admin = await get('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/cluster-admin');
    expect(admin.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:masters' }]);
    expect(admin.metadata.labels['kubernetes.io/bootstrapping']).toBe('rbac-defaults');
    // admin, edit and view get their rules from the aggregation controller.
    await c.until('view aggregated', async () =>
      (await get('/apis/rbac.authorization.k8s.io/v1/clusterroles/view')).rules.some((r: any) => r.apiGroups.includes('apps') && r.resources.includes('deployments') && r.verbs.includes('list')),
    );
    await c.until('edit aggregated', async () => (await get('/apis/rbac.authorization.k8s.io/v1/clusterroles/edit')).rules.some((r: any) => r.resources?.includes('secrets') && r.verbs.includes('create')));
    await c.until('admin aggregated', async () => (await get('/apis/rbac.authorization.k8s.io/v1/clusterroles/admin')).rules.some((r: any) => r.resources?.includes('rolebindings')));
    expect((await get('/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/roles/extension-apiserver-authentication-reader')).rules).toHaveLength(1);
    const crdRole = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'widgets-view', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }, rules: [{ apiGroups: ['lab.lifeboat.dev'], resources: ['widgets'], verbs: ['get', 'list', 'watch'] }] };
    expect((await apply(crdRole)).code).toBe(0);
    for (const role of ['view', 'edit', 'admin']) {
      await c.until(`widgets in ${role}`, async () => (await get(`/apis/rbac.authorization.k8s.io/v1/clusterroles/${role}`)).rules.some((r: any) => r.resources?.includes('widgets')));
    }
  });

  it('publishes kube-root-ca.crt with the cluster CA in every namespace, and puts it back', async () => {
    expect((await c.kubectl(['create', 'namespace', 'fresh'])).code).toBe(0);
    for (const ns of ['default', 'kube-system', 'fresh']) {
      const cm = await c.until(`root CA in ${ns}`, async () => {
        const r = await c.request('GET', `/api/v1/namespaces/${ns}/configmaps/kube-root-ca.crt`);
        return r.status === 200 ? r.json : undefined;
      });
      expect(cm.data['ca.crt']).toBe(c.caCert);
    }
    expect((await c.kubectl(['-n', 'fresh', 'delete', 'configmap', 'kube-root-ca.crt'])).code).toBe(0);
    await c.until('root CA back', async () => (await c.request('GET', '/api/v1/namespaces/fresh/configmaps/kube-root-ca.crt')).status === 200);
  });

  it('fills a user-made service-account token Secret, and deletes one whose account does not exist', async () => {
    const token = (name: string, account: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default', annotations: { 'kubernetes.io/service-account.name': account } }, type: 'kubernetes.io/service-account-token', stringData: { extra: 'mine' } });
    expect((await apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'deployer', namespace: 'default' } }, token('deployer-token', 'deployer'), token('orphan-token', 'nobody'))).code).toBe(0);
    const filled = await c.until('token filled', async () => {
      const s = await get('/api/v1/namespaces/default/secrets/deployer-token');
      return s.data?.token ? s : undefined;
    });
    expect(Buffer.from(filled.data['ca.crt'], 'base64').toString()).toBe(c.caCert);
    expect(Buffer.from(filled.data.namespace, 'base64').toString()).toBe('default');
    expect(Buffer.from(filled.data.extra, 'base64').toString()).toBe('mine');
    const sa = await get('/api/v1/namespaces/default/serviceaccounts/deployer');
    expect(filled.metadata.annotations['kubernetes.io/service-account.uid']).toBe(sa.metadata.uid);
    await c.until('orphan deleted', async () => (await c.request('GET', '/api/v1/namespaces/default/secrets/orphan-token')).status === 404);
  });

  it('runs ReplicationControllers: pods of the template, scaled up and down', async () => {
    const rc = { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'legacy', namespace: 'default' }, spec: { replicas: 3, template: { metadata: { labels: { app: 'legacy' } }, spec: { containers: [{ name: 'c', image: 'lab/legacy:1' }] } } } };
    expect((await apply(rc)).code).toBe(0);
    const pods = async () => (await get('/api/v1/namespaces/default/pods?labelSelector=app%3Dlegacy')).items.filter((p: any) => !p.metadata.deletionTimestamp);
    await c.until('3 pods', async () => (await pods()).length === 3);
    const stored = await get('/api/v1/namespaces/default/replicationcontrollers/legacy');
    expect(stored.spec.selector).toEqual({ app: 'legacy' });
    expect((await pods())[0].metadata.ownerReferences[0]).toMatchObject({ kind: 'ReplicationController', name: 'legacy', controller: true });
    await c.until('status', async () => (await get('/api/v1/namespaces/default/replicationcontrollers/legacy')).status?.readyReplicas === 3);
    expect((await c.kubectl(['scale', 'rc', 'legacy', '--replicas=1'])).code).toBe(0);
    await c.until('1 pod', async () => (await pods()).length === 1);
  });

  it('binds pre-bound claims and volumes (volumeName, claimRef), static volumes, and the legacy class annotation', async () => {
    const pv = (name: string, extra: Record<string, unknown> = {}, meta: Record<string, unknown> = {}) => ({
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name, ...meta },
      spec: { capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', storageClassName: 'manual', hostPath: { path: `/tmp/${name}` }, ...extra },
    });
    const pvc = (name: string, spec: Record<string, unknown> = {}, meta: Record<string, unknown> = {}) => ({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name, namespace: 'default', ...meta },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'manual', ...spec },
    });
    expect(
      (
        await apply(
          pv('pv-named'),
          pvc('by-volume-name', { volumeName: 'pv-named' }),
          pv('pv-claimref', { claimRef: { namespace: 'default', name: 'by-claim-ref' } }),
          pvc('by-claim-ref'),
          pv('pv-legacy', { storageClassName: undefined }, { annotations: { 'volume.beta.kubernetes.io/storage-class': 'slow' } }),
          pvc('legacy-class', { storageClassName: undefined }, { annotations: { 'volume.beta.kubernetes.io/storage-class': 'slow' } }),
        )
      ).code,
    ).toBe(0);
    for (const [claim, volume] of [['by-volume-name', 'pv-named'], ['by-claim-ref', 'pv-claimref'], ['legacy-class', 'pv-legacy']]) {
      const bound = await c.until(`${claim} bound`, async () => {
        const o = await get(`/api/v1/namespaces/default/persistentvolumeclaims/${claim}`);
        return o.status?.phase === 'Bound' ? o : undefined;
      });
      expect(bound.spec.volumeName).toBe(volume);
      expect(bound.status.capacity).toEqual({ storage: '5Gi' });
      const v = await c.until(`${volume} bound`, async () => {
        const o = await get(`/api/v1/persistentvolumes/${volume}`);
        return o.status?.phase === 'Bound' ? o : undefined;
      });
      expect(v.spec.claimRef).toMatchObject({ namespace: 'default', name: claim, uid: bound.metadata.uid });
    }
    expect((await get('/api/v1/namespaces/default/persistentvolumeclaims/legacy-class')).spec.storageClassName).toBeUndefined();
    // A claim of a class no volume or provisioner serves stays Pending.
    expect((await apply(pvc('nothing-fits', { storageClassName: 'none' }))).code).toBe(0);
    await c.server.settle();
    expect((await get('/api/v1/namespaces/default/persistentvolumeclaims/nothing-fits')).status.phase).toBe('Pending');
  });
});
