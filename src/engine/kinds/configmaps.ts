// ConfigMaps: kube-root-ca.crt is published by each cluster with its own CA.
import { immutableData, type KindRule } from './rule.ts';

export const configMaps: KindRule = {
  appliesTo: ['configmaps'],
  phase: 'config maps',
  skipReason: (obj) => (obj.metadata.name === 'kube-root-ca.crt' ? "published by the cluster in every namespace with the target cluster's CA" : undefined),
  immutableChanges: immutableData,
};
