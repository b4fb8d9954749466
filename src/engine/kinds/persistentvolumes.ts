// PersistentVolumes: a dynamically provisioned one is made again by its claim's StorageClass; a
// static one comes back, unbound from the old claim's uid.
import { mapNamespace } from '../restore/mappings.ts';
import { deleteKeys, mapStorageClass, type KindRule } from './rule.ts';
import { mention } from '../mentions.ts';

export const BIND_ANNOTATIONS = ['pv.kubernetes.io/bind-completed', 'pv.kubernetes.io/bound-by-controller'];

export const persistentVolumes: KindRule = {
  appliesTo: ['persistentvolumes'],
  phase: 'persistent volumes',
  skipReason(obj) {
    const spec = obj.spec as { persistentVolumeReclaimPolicy?: string; claimRef?: unknown } | undefined;
    const provisioner = obj.metadata.annotations?.['pv.kubernetes.io/provisioned-by'];
    if (provisioner && spec?.persistentVolumeReclaimPolicy === 'Delete' && spec.claimRef) {
      return `dynamically provisioned by ${provisioner}: its claim gets a new volume from its StorageClass, and the data goes into that`;
    }
    return undefined;
  },
  clean(obj, ctx, changes) {
    const spec = obj.spec as Record<string, any> | undefined;
    const claim = spec?.claimRef as Record<string, unknown> | undefined;
    if (claim) {
      deleteKeys(claim, ['uid', 'resourceVersion'], 'spec.claimRef.', changes, 'the restored claim is a new object');
      const to = mapNamespace(ctx.mappings, claim.namespace as string | undefined);
      if (to !== claim.namespace) {
        changes.push(`spec.claimRef.namespace ${claim.namespace} -> ${to} (${mention('namespaceMap')})`);
        claim.namespace = to;
      }
    }
    deleteKeys(obj.metadata.annotations, BIND_ANNOTATIONS, 'annotation ', changes, 'the volume is bound again');
    mapStorageClass(spec, ctx, changes, 'spec.storageClassName');
  },
  immutable: [['spec', 'hostPath'], ['spec', 'local'], ['spec', 'nfs'], ['spec', 'csi'], ['spec', 'volumeMode']],
  carryOver(spec, liveSpec) {
    if (spec.claimRef && liveSpec.claimRef?.uid && spec.claimRef.name === liveSpec.claimRef.name) spec.claimRef.uid = liveSpec.claimRef.uid;
  },
  needs: (obj, what, find) => [{ object: find('storageclasses.storage.k8s.io', (c) => c.metadata.name === (obj.spec as any)?.storageClassName), as: `the storage class of ${what}` }],
};
