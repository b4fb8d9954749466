// A namespace clone warns about what it does not carry over: bindings and webhooks that name the
// old namespace and that the restore does not write with the new name.
import { describe, expect, it } from 'vitest';
import { cloneWarnings } from '../../src/engine/restore/clone-warnings.ts';
import type { SnapshotObject } from '../../src/engine/restore/snapshot-objects.ts';

const so = (group: string, resource: string, kind: string, namespace: string | undefined, name: string, extra: Record<string, unknown>): SnapshotObject => ({
  id: `kubernetes:${group || 'core'}/v1/${resource}/${namespace ?? '_cluster'}/${name}`,
  path: '',
  ref: { group, version: 'v1', apiVersion: group ? `${group}/v1` : 'v1', resource, kind, namespaced: namespace !== undefined },
  object: { apiVersion: group ? `${group}/v1` : 'v1', kind, metadata: { name, ...(namespace ? { namespace } : {}) }, ...extra },
});
const rbac = 'rbac.authorization.k8s.io';
const sa = (namespace: string, name: string) => ({ kind: 'ServiceAccount', namespace, name });

describe('clone warnings', () => {
  const objects = [
    so(rbac, 'clusterrolebindings', 'ClusterRoleBinding', undefined, 'shop-reader', { subjects: [sa('shop', 'api'), sa('other', 'x')], roleRef: { kind: 'ClusterRole', name: 'view' } }),
    so(rbac, 'rolebindings', 'RoleBinding', 'monitoring', 'scrape-shop', { subjects: [sa('shop', 'api')] }),
    so(rbac, 'rolebindings', 'RoleBinding', 'shop', 'inside', { subjects: [sa('shop', 'api')] }),
    so('admissionregistration.k8s.io', 'validatingwebhookconfigurations', 'ValidatingWebhookConfiguration', undefined, 'shop-policy', {
      webhooks: [
        { name: 'check.shop.example.com', clientConfig: { service: { namespace: 'shop', name: 'policy' } } },
        { name: 'only-shop.example.com', clientConfig: { url: 'https://x' }, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } } },
      ],
    }),
  ];
  const mappings = { namespaces: { shop: 'shop-staging' }, storageClasses: {}, registries: {} };

  it('names each grant and webhook outside the clone that still names the old namespace', () => {
    const written = new Set([objects[2]!.id]); // the RoleBinding inside shop is cloned, its subject mapped
    expect(cloneWarnings(objects, mappings, written)).toEqual([
      "ClusterRoleBinding shop-reader grants ServiceAccount shop/api, not the clone's shop-staging/api: bind the clone's account too if it needs that access",
      "RoleBinding monitoring/scrape-shop grants ServiceAccount shop/api, not the clone's shop-staging/api: bind the clone's account too if it needs that access",
      "ValidatingWebhookConfiguration shop-policy (webhook check.shop.example.com) calls Service shop/policy, not the clone's shop-staging/policy",
      'ValidatingWebhookConfiguration shop-policy (webhook only-shop.example.com) applies to namespace shop only, not to the clone shop-staging',
    ]);
  });

  it('says nothing without a namespace map, or for what the restore writes mapped', () => {
    expect(cloneWarnings(objects, { namespaces: {}, storageClasses: {}, registries: {} }, new Set())).toEqual([]);
    expect(cloneWarnings(objects, mappings, new Set(objects.map((o) => o.id)))).toEqual([]);
  });
});
