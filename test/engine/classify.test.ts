// The inventory's verdicts for Kubernetes objects, without a cluster: built-in kinds are named for
// what they are (an HPA is not a "custom resource"), and what a restore would not bring back (a
// dynamically provisioned PV, the cluster's CA ConfigMap) is skippable, so coverage counts only
// what a restore restores.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/engine/kube/client.ts';
import type { ApiResource } from '../../src/engine/kube/discovery.ts';
import { classify } from '../../src/engine/inventory/classify.ts';

const res = (group: string, version: string, resource: string, kind: string, namespaced = true): ApiResource => ({
  group, version, groupVersion: group ? `${group}/${version}` : version, resource, kind, namespaced, verbs: ['list'], preferred: true,
});
const obj = (name: string, namespace?: string, extra: Partial<KubeObject> = {}): KubeObject => ({ metadata: { name, ...(namespace ? { namespace } : {}) }, ...extra });

describe('the inventory classifier', () => {
  const crd = { resource: res('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', false), obj: obj('widgets.example.com', undefined, { spec: { group: 'example.com', names: { plural: 'widgets' } } }) };
  const items = classify({
    kubernetes: [
      crd,
      { resource: res('example.com', 'v1', 'widgets', 'Widget'), obj: obj('w1', 'shop') },
      { resource: res('autoscaling', 'v2', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler'), obj: obj('api', 'shop') },
      { resource: res('policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget'), obj: obj('api', 'shop') },
      { resource: res('metrics.k8s.io', 'v1beta1', 'pods', 'PodMetrics'), obj: obj('p', 'shop') },
      { resource: res('', 'v1', 'configmaps', 'ConfigMap'), obj: obj('kube-root-ca.crt', 'shop') },
      { resource: res('', 'v1', 'configmaps', 'ConfigMap'), obj: obj('api-config', 'shop') },
      {
        resource: res('', 'v1', 'persistentvolumes', 'PersistentVolume', false),
        obj: obj('pvc-1234', undefined, { metadata: { name: 'pvc-1234', annotations: { 'pv.kubernetes.io/provisioned-by': 'rancher.io/local-path' } }, spec: { persistentVolumeReclaimPolicy: 'Delete', claimRef: { namespace: 'shop', name: 'data' } } }),
      },
      { resource: res('', 'v1', 'persistentvolumes', 'PersistentVolume', false), obj: obj('static-1', undefined, { spec: { persistentVolumeReclaimPolicy: 'Retain', hostPath: { path: '/srv/x' } } }) },
      { resource: res('', 'v1', 'secrets', 'Secret'), obj: obj('ci-token', 'shop', { type: 'kubernetes.io/service-account-token' }) },
    ],
  });
  const find = (kind: string, name: string) => items.find((i) => i.kind === kind && i.name === name)!;

  it('names built-in kinds for what they are, and only CRD-served kinds custom resources', () => {
    expect(find('Widget', 'w1')).toMatchObject({ verdict: 'needs-backup', reason: 'custom resource: a rebuild needs it' });
    expect(find('HorizontalPodAutoscaler', 'api')).toMatchObject({ verdict: 'needs-backup', reason: 'how a workload scales' });
    expect(find('PodDisruptionBudget', 'api').reason).toBe('how many pods of a workload may be down at once');
    expect(find('PodMetrics', 'p').reason).not.toMatch(/custom resource/);
  });

  it('skips what a restore would not bring back, and keeps what it would', () => {
    expect(find('PersistentVolume', 'pvc-1234')).toMatchObject({ verdict: 'skippable', reason: expect.stringMatching(/dynamically provisioned by rancher\.io\/local-path/) });
    expect(find('PersistentVolume', 'static-1').verdict).toBe('needs-backup');
    expect(find('ConfigMap', 'kube-root-ca.crt').verdict).toBe('skippable');
    expect(find('ConfigMap', 'api-config').verdict).toBe('needs-backup');
    // A user-made token Secret is restored (its token is written again), so it needs a backup.
    expect(find('Secret', 'ci-token').verdict).toBe('needs-backup');
  });
});
