// StorageClasses: fixed once made.
import type { KindRule } from './rule.ts';

export const storageClasses: KindRule = {
  appliesTo: ['storageclasses.storage.k8s.io'],
  phase: 'storage classes',
  immutable: [['provisioner'], ['parameters'], ['reclaimPolicy'], ['volumeBindingMode']],
};
