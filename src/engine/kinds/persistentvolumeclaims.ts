// PersistentVolumeClaims: bound again in the target; a claim keeps its volume only when the
// restore brings that (static) volume back.
import { deleteKeys, mapStorageClass, type KindRule } from './rule.ts';
import { BIND_ANNOTATIONS } from './persistentvolumes.ts';

const PVC_ANNOTATIONS = [...BIND_ANNOTATIONS, 'volume.beta.kubernetes.io/storage-provisioner', 'volume.kubernetes.io/storage-provisioner', 'volume.kubernetes.io/selected-node'];

export const persistentVolumeClaims: KindRule = {
  appliesTo: ['persistentvolumeclaims'],
  phase: 'persistent volume claims',
  clean(obj, ctx, changes) {
    const spec = obj.spec as Record<string, any> | undefined;
    if (spec?.volumeName && !ctx.restoredVolumes?.has(spec.volumeName)) {
      deleteKeys(spec, ['volumeName'], 'spec.', changes, 'its volume is not restored: the claim gets a new one from its storage class');
    }
    deleteKeys(obj.metadata.annotations, PVC_ANNOTATIONS, 'annotation ', changes, 'the claim is bound again in the target');
    mapStorageClass(spec, ctx, changes, 'spec.storageClassName');
  },
  immutable: [['spec', 'accessModes'], ['spec', 'storageClassName'], ['spec', 'volumeMode'], ['spec', 'selector'], ['spec', 'dataSource']],
  carryOver(spec, liveSpec) {
    if (spec.volumeName === undefined && liveSpec.volumeName) spec.volumeName = liveSpec.volumeName;
  },
  needs(obj, what, find) {
    const ns = obj.metadata.namespace;
    return [
      { object: find('persistentvolumes', (p) => (p.spec as any)?.claimRef?.namespace === ns && (p.spec as any)?.claimRef?.name === obj.metadata.name), as: `the volume of ${what}` },
      { object: find('storageclasses.storage.k8s.io', (c) => c.metadata.name === (obj.spec as any)?.storageClassName), as: `the storage class of ${what}` },
    ];
  },
};
