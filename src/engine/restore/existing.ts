// What to do with an object the target already has: skip (default), update, or recreate, and
// when an update would change a field the API server refuses to change, a recreate instead,
// with a warning. Also what an update must carry over from the live object (assigned addresses,
// bindings, selectors) so a full replace does not try to change them.
import type { KubeObject } from '../kube/client.ts';
import { cleanObject, resourceNameOf, type CleanupContext } from './cleanup.ts';
import { diffObjects } from './diff.ts';
import { RESTORED_FROM_LABEL, type ExistingPolicy, type ObjectRef, type ObjectVerb } from './types.ts';

const get = (o: unknown, path: string[]): unknown => path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), o);
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Fields the API server will not change in place, by resource: path and what it is. */
const IMMUTABLE: Record<string, string[][]> = {
  services: [['spec', 'clusterIP']],
  persistentvolumeclaims: [['spec', 'accessModes'], ['spec', 'storageClassName'], ['spec', 'volumeMode'], ['spec', 'selector'], ['spec', 'dataSource']],
  persistentvolumes: [['spec', 'hostPath'], ['spec', 'local'], ['spec', 'nfs'], ['spec', 'csi'], ['spec', 'volumeMode']],
  'deployments.apps': [['spec', 'selector']],
  'replicasets.apps': [['spec', 'selector']],
  'daemonsets.apps': [['spec', 'selector']],
  'statefulsets.apps': [['spec', 'selector'], ['spec', 'volumeClaimTemplates'], ['spec', 'serviceName'], ['spec', 'podManagementPolicy']],
  'jobs.batch': [['spec', 'template'], ['spec', 'completionMode']],
  'storageclasses.storage.k8s.io': [['provisioner'], ['parameters'], ['reclaimPolicy'], ['volumeBindingMode']],
  'rolebindings.rbac.authorization.k8s.io': [['roleRef']],
  'clusterrolebindings.rbac.authorization.k8s.io': [['roleRef']],
};

/** Immutable fields an update from `live` to `desired` would change, as dotted paths. */
export function immutableChanges(ref: ObjectRef, live: KubeObject, desired: KubeObject): string[] {
  const name = resourceNameOf(ref);
  const out: string[] = [];
  for (const p of IMMUTABLE[name] ?? []) {
    const want = get(desired, p);
    // A field the restore leaves for the cluster to fill (a cleared clusterIP) is no change.
    if (want === undefined) continue;
    if (!same(get(live, p), want)) out.push(p.join('.'));
  }
  if ((name === 'secrets' || name === 'configmaps') && live.immutable === true) {
    for (const k of ['data', 'stringData', 'binaryData']) if (!same(live[k], desired[k])) out.push(k);
  }
  if (name === 'pods') {
    // Of a pod's spec only images (and a few scheduling details) may change.
    const strip = (o: KubeObject) => {
      const s = structuredClone((o.spec ?? {}) as Record<string, any>);
      for (const c of [...(s.containers ?? []), ...(s.initContainers ?? [])]) delete c.image;
      delete s.nodeName;
      delete s.activeDeadlineSeconds;
      delete s.tolerations;
      return s;
    };
    if (!same(strip(live), strip(desired))) out.push('spec');
  }
  return out;
}

/** Fields of the live object an update keeps: what the target cluster assigned. */
export function carryOver(ref: ObjectRef, live: KubeObject, desired: KubeObject): KubeObject {
  const out = structuredClone(desired);
  out.metadata.resourceVersion = live.metadata.resourceVersion;
  const name = resourceNameOf(ref);
  const spec = out.spec as Record<string, any> | undefined;
  const liveSpec = live.spec as Record<string, any> | undefined;
  if (!spec || !liveSpec) return out;
  if (name === 'services') {
    for (const k of ['clusterIP', 'clusterIPs', 'healthCheckNodePort']) if (spec[k] === undefined && liveSpec[k] !== undefined) spec[k] = liveSpec[k];
    for (const p of spec.ports ?? []) {
      const lp = (liveSpec.ports ?? []).find((x: { port?: number; protocol?: string }) => x.port === p.port && (x.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
      if (p.nodePort === undefined && lp?.nodePort !== undefined) p.nodePort = lp.nodePort;
    }
  }
  if (name === 'persistentvolumeclaims' && spec.volumeName === undefined && liveSpec.volumeName) spec.volumeName = liveSpec.volumeName;
  if (name === 'jobs.batch') {
    if (spec.selector === undefined) spec.selector = liveSpec.selector;
    if (spec.template && liveSpec.template?.metadata?.labels) {
      spec.template.metadata ??= {};
      spec.template.metadata.labels = { ...liveSpec.template.metadata.labels, ...(spec.template.metadata.labels ?? {}) };
    }
  }
  if (name === 'persistentvolumes' && spec.claimRef && liveSpec.claimRef?.uid && spec.claimRef.name === liveSpec.claimRef.name) spec.claimRef.uid = liveSpec.claimRef.uid;
  return out;
}

export interface ExistingDecision {
  verb: ObjectVerb;
  reason: string;
  warnings: string[];
  /** Live -> restored, when they differ. */
  diff?: string;
}

/**
 * The verb for an object the target has: compared with the live object cleaned the same way
 * (so what the cluster assigned, and the restored-from label, are no difference).
 */
export function decideExisting(ref: ObjectRef, live: KubeObject, desired: KubeObject, policy: ExistingPolicy, ctx: CleanupContext): ExistingDecision {
  const liveClean = cleanObject(ref, live, { ...ctx, mappings: { namespaces: {}, storageClasses: {}, registries: {} } }).object;
  const desiredCmp = carryOver(ref, liveClean, desired);
  delete desiredCmp.metadata.resourceVersion;
  for (const o of [liveClean, desiredCmp]) delete o.metadata.labels?.[RESTORED_FROM_LABEL];
  const diff = diffObjects(liveClean, desiredCmp);
  if (!diff) return { verb: 'skip', reason: 'exists and is the same as in the snapshot', warnings: [] };
  if (policy === 'skip') return { verb: 'skip', reason: 'exists and differs: kept as it is (--existing-resource-policy skip)', warnings: [], diff };
  if (policy === 'recreate') return { verb: 'recreate', reason: 'exists and differs: deleted and created again (--existing-resource-policy recreate)', warnings: [], diff };
  const immutable = immutableChanges(ref, live, desired);
  if (immutable.length) {
    return {
      verb: 'recreate',
      reason: `exists and differs in fields that cannot be updated (${immutable.join(', ')}): deleted and created again`,
      warnings: [`${ref.kind} ${live.metadata.namespace ? `${live.metadata.namespace}/` : ''}${live.metadata.name}: ${immutable.join(', ')} cannot be changed in place, so the update is a recreate`],
      diff,
    };
  }
  return { verb: 'update', reason: 'exists and differs: replaced by the snapshot version (--existing-resource-policy update)', warnings: [], diff };
}
