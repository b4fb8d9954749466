// Secrets, ConfigMaps, Namespaces, bindings, StorageClasses and APIServices.
import { describe, expect, it } from 'vitest';
import { immutableChanges, kindSkipReason } from '../../../src/engine/kinds/index.ts';
import { clean, ctx, noMaps, obj } from './helpers.ts';

describe('secrets and configmaps', () => {
  it("keeps a token Secret's own keys and drops what the token controller writes", () => {
    const token = obj('Secret', 'sa-token', 'shop', { type: 'kubernetes.io/service-account-token', data: { token: 't', 'ca.crt': 'c', namespace: 'n', extra: 'e' } }, { annotations: { 'kubernetes.io/service-account.uid': 'u', 'kubernetes.io/service-account.name': 'sa' } });
    const { object, changes } = clean('secrets', token);
    expect(object.data).toEqual({ extra: 'e' });
    expect(object.metadata.annotations).toEqual({ 'kubernetes.io/service-account.name': 'sa' });
    expect(changes).toHaveLength(2);
    expect(clean('secrets', obj('Secret', 's', 'shop', { type: 'Opaque', data: { token: 't' } })).changes).toEqual([]);
  });

  it('names the data of an immutable Secret or ConfigMap as immutable, not of a mutable one', () => {
    for (const r of ['secrets', 'configmaps']) {
      const live = obj('X', 'x', 'shop', { immutable: true, data: { a: '1' } });
      expect(immutableChanges(r, live, obj('X', 'x', 'shop', { data: { a: '2' } })), r).toEqual(['data']);
      expect(immutableChanges(r, { ...live, immutable: false }, obj('X', 'x', 'shop', { data: { a: '2' } })), r).toEqual([]);
    }
  });

  it("skips each namespace's kube-root-ca.crt", () => {
    expect(kindSkipReason('configmaps', obj('ConfigMap', 'kube-root-ca.crt', 'shop'))).toMatch(/target cluster's CA/);
    expect(kindSkipReason('configmaps', obj('ConfigMap', 'settings', 'shop'))).toBeUndefined();
  });
});

describe('namespaces and role bindings', () => {
  const maps = ctx({ mappings: { ...noMaps, namespaces: { shop: 'shop-staging' } } });

  it('renames a mapped namespace and its name label', () => {
    const { object, changes } = clean('namespaces', obj('Namespace', 'shop', undefined, {}, { labels: { 'kubernetes.io/metadata.name': 'shop' } }), maps);
    expect(object.metadata).toEqual({ name: 'shop-staging', labels: { 'kubernetes.io/metadata.name': 'shop-staging' } });
    expect(changes).toEqual(['renamed shop -> shop-staging (--namespace-map)']);
  });

  it('moves ServiceAccount subjects with the namespace map; the role is immutable', () => {
    const rb = obj('RoleBinding', 'rb', 'shop', { roleRef: { kind: 'Role', name: 'r' }, subjects: [{ kind: 'ServiceAccount', name: 'api', namespace: 'shop' }, { kind: 'User', name: 'ann' }] });
    for (const r of ['rolebindings.rbac.authorization.k8s.io', 'clusterrolebindings.rbac.authorization.k8s.io']) {
      const { object, changes } = clean(r, rb, maps);
      expect((object as any).subjects).toEqual([{ kind: 'ServiceAccount', name: 'api', namespace: 'shop-staging' }, { kind: 'User', name: 'ann' }]);
      expect(changes).toEqual(['subject ServiceAccount shop/api -> shop-staging/api (--namespace-map)']);
      expect(immutableChanges(r, rb, { ...rb, roleRef: { kind: 'Role', name: 'other' } })).toEqual(['roleRef']);
    }
  });
});

describe('storage classes and API services', () => {
  it("names a changed provisioner as immutable", () => {
    const sc = obj('StorageClass', 'slow', undefined, { provisioner: 'a' });
    expect(immutableChanges('storageclasses.storage.k8s.io', sc, { ...sc, provisioner: 'b' })).toEqual(['provisioner']);
  });

  it('skips a built-in API group, not an aggregated one', () => {
    expect(kindSkipReason('apiservices.apiregistration.k8s.io', obj('APIService', 'v1.apps', undefined, { spec: {} }))).toMatch(/built-in API group/);
    expect(kindSkipReason('apiservices.apiregistration.k8s.io', obj('APIService', 'v1beta1.metrics.k8s.io', undefined, { spec: { service: { name: 'metrics' } } }))).toBeUndefined();
  });
});
