// Pods, Jobs, StatefulSets, Deployments: what the scheduler and controllers write is cleared,
// what cannot change in place is named.
import { describe, expect, it } from 'vitest';
import { carryOver, immutableChanges } from '../../../src/engine/kinds/index.ts';
import { clean, ctx, noMaps, obj } from './helpers.ts';

describe('pods', () => {
  it('clears the node and the injected token volume', () => {
    const pod = obj('Pod', 'p', 'shop', { spec: { nodeName: 'n1', volumes: [{ name: 'kube-api-access-x1' }, { name: 'data' }], containers: [{ name: 'a', image: 'i', volumeMounts: [{ name: 'kube-api-access-x1' }, { name: 'data' }] }] } });
    const { object, changes } = clean('pods', pod);
    expect(object.spec).toEqual({ volumes: [{ name: 'data' }], containers: [{ name: 'a', image: 'i', volumeMounts: [{ name: 'data' }] }] });
    expect(changes).toEqual(['cleared spec.nodeName (the scheduler places the pod again)', 'dropped the service-account token volume kube-api-access-x1 (injected again at admission)']);
  });

  it('may change images in place, not the rest of the spec', () => {
    const live = obj('Pod', 'p', 'shop', { spec: { nodeName: 'n1', containers: [{ name: 'a', image: 'v1' }] } });
    expect(immutableChanges('pods', live, obj('Pod', 'p', 'shop', { spec: { containers: [{ name: 'a', image: 'v2' }] } }))).toEqual([]);
    expect(immutableChanges('pods', live, obj('Pod', 'p', 'shop', { spec: { containers: [{ name: 'b', image: 'v1' }] } }))).toEqual(['spec']);
  });
});

describe('jobs', () => {
  const job = obj('Job', 'j', 'shop', { spec: { selector: { matchLabels: { 'controller-uid': 'u' } }, template: { metadata: { labels: { 'controller-uid': 'u', app: 'j' } } } } }, { labels: { 'batch.kubernetes.io/controller-uid': 'u', app: 'j' } });

  it("clears the old controller's uid labels and its selector, unless the selector is manual", () => {
    const { object, changes } = clean('jobs.batch', job);
    expect(object.metadata.labels).toEqual({ app: 'j' });
    expect(object.spec).toEqual({ template: { metadata: { labels: { app: 'j' } } } });
    expect(changes).toHaveLength(3);
    const manual = clean('jobs.batch', { ...job, spec: { ...(job.spec as object), manualSelector: true } });
    expect((manual.object.spec as any).selector).toBeDefined();
  });

  it("carries the live selector and template labels into an update; the template is immutable", () => {
    const desired = clean('jobs.batch', job).object;
    const out = carryOver('jobs.batch', job, desired).spec as any;
    expect(out.selector).toEqual({ matchLabels: { 'controller-uid': 'u' } });
    expect(out.template.metadata.labels).toEqual({ 'controller-uid': 'u', app: 'j' });
    expect(immutableChanges('jobs.batch', job, desired)).toEqual(['spec.template']);
  });
});

describe('statefulsets, deployments, daemonsets, replicasets', () => {
  it("maps the claim templates' storage class", () => {
    const sts = obj('StatefulSet', 'db', 'shop', { spec: { volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { storageClassName: 'slow' } }] } });
    const { object, changes } = clean('statefulsets.apps', sts, ctx({ mappings: { ...noMaps, storageClasses: { slow: 'fast' } } }));
    expect((object.spec as any).volumeClaimTemplates[0].spec.storageClassName).toBe('fast');
    expect(changes).toEqual(['volumeClaimTemplates[data].spec.storageClassName slow -> fast (--storage-class-map)']);
  });

  it('names a changed selector as immutable', () => {
    for (const r of ['deployments.apps', 'daemonsets.apps', 'replicasets.apps', 'statefulsets.apps']) {
      const a = obj('X', 'x', 'shop', { spec: { selector: { matchLabels: { app: 'a' } }, replicas: 1 } });
      expect(immutableChanges(r, a, obj('X', 'x', 'shop', { spec: { selector: { matchLabels: { app: 'b' } }, replicas: 1 } })), r).toEqual(['spec.selector']);
      expect(immutableChanges(r, a, obj('X', 'x', 'shop', { spec: { selector: { matchLabels: { app: 'a' } }, replicas: 3 } })), r).toEqual([]);
    }
  });
});
