// PersistentVolumes and their claims: dynamic volumes are skipped, static ones keep their claims,
// bindings are redone, the storage-class and namespace maps apply, and each needs its class.
import { describe, expect, it } from 'vitest';
import { carryOver, immutableChanges, kindNeeds, kindSkipReason } from '../../../src/engine/kinds/index.ts';
import type { KubeObject } from '../../../src/engine/kube/client.ts';
import { clean, ctx, noMaps, obj } from './helpers.ts';

const pv = (spec: Record<string, unknown>, annotations: Record<string, string> = {}) => obj('PersistentVolume', 'pv-1', undefined, { spec }, { annotations });

describe('persistentvolumes', () => {
  it('skips a dynamically provisioned volume with a claim and reclaim Delete, not a static one', () => {
    const dynamic = pv({ persistentVolumeReclaimPolicy: 'Delete', claimRef: { name: 'data' } }, { 'pv.kubernetes.io/provisioned-by': 'lab.dev/hostpath' });
    expect(kindSkipReason('persistentvolumes', dynamic)).toMatch(/dynamically provisioned by lab.dev\/hostpath/);
    expect(kindSkipReason('persistentvolumes', pv({ persistentVolumeReclaimPolicy: 'Retain', claimRef: { name: 'data' } }, { 'pv.kubernetes.io/provisioned-by': 'x' }))).toBeUndefined();
    expect(kindSkipReason('persistentvolumes', pv({ persistentVolumeReclaimPolicy: 'Delete', claimRef: { name: 'data' } }))).toBeUndefined();
  });

  it('unbinds from the old claim, maps its namespace and storage class', () => {
    const v = pv({ storageClassName: 'slow', claimRef: { name: 'data', namespace: 'shop', uid: 'u1', resourceVersion: '3' } }, { 'pv.kubernetes.io/bind-completed': 'yes' });
    const { object, changes } = clean('persistentvolumes', v, ctx({ mappings: { ...noMaps, namespaces: { shop: 'shop-staging' }, storageClasses: { slow: 'fast' } } }));
    expect(object.spec).toEqual({ storageClassName: 'fast', claimRef: { name: 'data', namespace: 'shop-staging' } });
    expect(object.metadata.annotations).toEqual({});
    expect(changes).toEqual([
      'cleared spec.claimRef.uid, spec.claimRef.resourceVersion (the restored claim is a new object)',
      'spec.claimRef.namespace shop -> shop-staging (--namespace-map)',
      'cleared annotation pv.kubernetes.io/bind-completed (the volume is bound again)',
      'spec.storageClassName slow -> fast (--storage-class-map)',
    ]);
  });

  it("keeps the live claim's uid in an update, and a changed source is immutable", () => {
    const live = pv({ hostPath: { path: '/a' }, claimRef: { name: 'data', uid: 'live-uid' } });
    expect((carryOver('persistentvolumes', live, pv({ hostPath: { path: '/a' }, claimRef: { name: 'data' } })).spec as any).claimRef.uid).toBe('live-uid');
    expect((carryOver('persistentvolumes', live, pv({ claimRef: { name: 'other' } })).spec as any).claimRef.uid).toBeUndefined();
    expect(immutableChanges('persistentvolumes', live, pv({ hostPath: { path: '/b' } }))).toEqual(['spec.hostPath']);
  });
});

describe('persistentvolumeclaims', () => {
  const claim = obj('PersistentVolumeClaim', 'data', 'shop', { spec: { volumeName: 'pv-1', storageClassName: 'slow', accessModes: ['ReadWriteOnce'] } }, { annotations: { 'volume.kubernetes.io/selected-node': 'n1', keep: 'me' } });

  it('drops the volume name unless that volume is restored too, and the binding annotations', () => {
    const gone = clean('persistentvolumeclaims', claim);
    expect(gone.object.spec).toEqual({ storageClassName: 'slow', accessModes: ['ReadWriteOnce'] });
    expect(gone.object.metadata.annotations).toEqual({ keep: 'me' });
    expect(gone.changes[0]).toMatch(/cleared spec.volumeName \(its volume is not restored/);
    const kept = clean('persistentvolumeclaims', claim, ctx({ restoredVolumes: new Set(['pv-1']) }));
    expect((kept.object.spec as any).volumeName).toBe('pv-1');
  });

  it('keeps the live volume name in an update; access modes and class are immutable', () => {
    const desired = clean('persistentvolumeclaims', claim).object;
    expect((carryOver('persistentvolumeclaims', claim, desired).spec as any).volumeName).toBe('pv-1');
    expect(immutableChanges('persistentvolumeclaims', claim, { ...desired, spec: { ...(desired.spec as object), accessModes: ['ReadWriteMany'], storageClassName: 'fast' } })).toEqual(['spec.accessModes', 'spec.storageClassName']);
  });

  it('needs its volume and its storage class from the snapshot', () => {
    const volume = pv({ claimRef: { name: 'data', namespace: 'shop' } });
    const sc = obj('StorageClass', 'slow', undefined);
    const all: [string, KubeObject][] = [['persistentvolumes', volume], ['storageclasses.storage.k8s.io', sc]];
    const find = (resource: string, test: (o: KubeObject) => boolean) => all.find(([r, o]) => r === resource && test(o))?.[1];
    expect(kindNeeds('persistentvolumeclaims', claim, 'PersistentVolumeClaim shop/data', find)).toEqual([
      { object: volume, as: 'the volume of PersistentVolumeClaim shop/data' },
      { object: sc, as: 'the storage class of PersistentVolumeClaim shop/data' },
    ]);
    expect(kindNeeds('persistentvolumes', { ...volume, spec: { storageClassName: 'slow' } }, 'PersistentVolume pv-1', find)).toEqual([{ object: sc, as: 'the storage class of PersistentVolume pv-1' }]);
  });
});
