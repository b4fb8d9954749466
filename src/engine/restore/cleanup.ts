// Clean-up per kind: what the source cluster wrote into an object that the target cluster must
// write again itself (identities, versions, assigned addresses and ports, bindings, status), and
// which objects a restore must not bring back at all. Each change is noted in words for the plan.
import type { KubeObject } from '../kube/client.ts';
import type { ApiResource } from '../kube/discovery.ts';
import { generatedReason } from '../sources/kubernetes.ts';
import { mapImages, mapNamespace, type Mappings } from './mappings.ts';
import { RESTORED_FROM_LABEL, type ObjectRef } from './types.ts';

export interface CleanupContext {
  mappings: Mappings;
  keepStatus?: boolean;
  /** The snapshot's short id, for the restored-from label. */
  snapshot: string;
  /** PersistentVolumes this restore brings back (static ones): claims keep their binding to them. */
  restoredVolumes?: ReadonlySet<string>;
}

/** Keys of a service-account token Secret that the target's token controller writes. */
const TOKEN_KEYS = ['token', 'ca.crt', 'namespace'];
const TOKEN_UID_ANNOTATION = 'kubernetes.io/service-account.uid';

const GENERIC_METADATA = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds'];
const BIND_ANNOTATIONS = ['pv.kubernetes.io/bind-completed', 'pv.kubernetes.io/bound-by-controller'];
const PVC_ANNOTATIONS = [...BIND_ANNOTATIONS, 'volume.beta.kubernetes.io/storage-provisioner', 'volume.kubernetes.io/storage-provisioner', 'volume.kubernetes.io/selected-node'];
const JOB_UID_LABELS = ['controller-uid', 'batch.kubernetes.io/controller-uid'];

export function resourceNameOf(ref: Pick<ObjectRef, 'resource' | 'group'>): string {
  return ref.group ? `${ref.resource}.${ref.group}` : ref.resource;
}

/** Why an object of the snapshot must not be restored (its cluster makes it again), or undefined. */
export function skipReason(ref: ObjectRef, obj: KubeObject): string | undefined {
  const generated = generatedReason({ ...ref, groupVersion: ref.apiVersion, verbs: [], preferred: true } satisfies ApiResource, obj);
  if (generated) return generated;
  const name = resourceNameOf(ref);
  const m = obj.metadata;
  if (name === 'configmaps' && m.name === 'kube-root-ca.crt') return "published by the cluster in every namespace with the target cluster's CA";
  if (name === 'services' && m.namespace === 'default' && m.name === 'kubernetes') return "the API server's own Service: the target cluster has its own";
  if (name === 'apiservices.apiregistration.k8s.io' && !(obj.spec as { service?: unknown } | undefined)?.service) return 'a built-in API group, served by the API server itself';
  if (name === 'persistentvolumes') {
    const spec = obj.spec as { persistentVolumeReclaimPolicy?: string; claimRef?: unknown } | undefined;
    const provisioner = m.annotations?.['pv.kubernetes.io/provisioned-by'];
    if (provisioner && spec?.persistentVolumeReclaimPolicy === 'Delete' && spec.claimRef) {
      return `dynamically provisioned by ${provisioner}: its claim gets a new volume from its StorageClass, and the data goes into that`;
    }
  }
  return undefined;
}

/** True when the last-applied configuration asked for this node port (it was not auto-assigned). */
function nodePortAskedFor(obj: KubeObject, port: { port?: number; nodePort?: number }): boolean {
  const applied = obj.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'];
  if (!applied) return false;
  try {
    const spec = (JSON.parse(applied) as { spec?: { ports?: { port?: number; nodePort?: number }[] } }).spec;
    return (spec?.ports ?? []).some((p) => p.port === port.port && p.nodePort === port.nodePort);
  } catch {
    return false;
  }
}

function deleteKeys(rec: Record<string, unknown> | undefined, keys: string[], where: string, changes: string[], why: string): void {
  if (!rec) return;
  const gone = keys.filter((k) => rec[k] !== undefined);
  for (const k of gone) delete rec[k];
  if (gone.length) changes.push(`cleared ${gone.map((k) => `${where}${k}`).join(', ')} (${why})`);
}

/**
 * The object as it is to be written to the target: a deep copy, cleaned and mapped, labelled
 * with the snapshot. `changes` says what was done, one line each.
 */
export function cleanObject(ref: ObjectRef, source: KubeObject, ctx: CleanupContext): { object: KubeObject; changes: string[] } {
  const obj = structuredClone(source);
  const changes: string[] = [];
  const m = obj.metadata;
  const name = resourceNameOf(ref);
  const spec = obj.spec as Record<string, any> | undefined;
  obj.apiVersion = ref.apiVersion;
  obj.kind = ref.kind;

  deleteKeys(m, GENERIC_METADATA, 'metadata.', changes, 'the target cluster sets them');
  if (m.generateName && m.name) {
    delete m.generateName;
    changes.push('cleared metadata.generateName (the name is kept)');
  }
  if (m.ownerReferences?.length) {
    changes.push(`cleared ownerReferences to ${m.ownerReferences.map((o) => `${o.kind} ${o.name}`).join(', ')} (their uids change in a restore)`);
    delete m.ownerReferences;
  }
  if (obj.status !== undefined && !ctx.keepStatus) {
    delete obj.status;
    changes.push('cleared status (its controllers rebuild it)');
  }

  // Namespaces.
  if (ref.namespaced && m.namespace) {
    const to = mapNamespace(ctx.mappings, m.namespace);
    if (to !== m.namespace) {
      changes.push(`namespace ${m.namespace} -> ${to} (--namespace-map)`);
      m.namespace = to;
    }
  }
  if (name === 'namespaces') {
    const to = mapNamespace(ctx.mappings, m.name);
    if (to !== m.name) {
      changes.push(`renamed ${m.name} -> ${to} (--namespace-map)`);
      m.name = to;
    }
    if (m.labels?.['kubernetes.io/metadata.name'] !== undefined) m.labels['kubernetes.io/metadata.name'] = m.name;
  }

  switch (name) {
    case 'services': {
      if (spec && spec.clusterIP !== 'None') deleteKeys(spec, ['clusterIP', 'clusterIPs'], 'spec.', changes, 'assigned by the target cluster');
      for (const p of (spec?.ports ?? []) as { port?: number; nodePort?: number }[]) {
        if (p.nodePort !== undefined && !nodePortAskedFor(obj, p)) {
          changes.push(`cleared spec.ports[port ${p.port}].nodePort ${p.nodePort} (auto-assigned)`);
          delete p.nodePort;
        }
      }
      if (spec?.healthCheckNodePort !== undefined) deleteKeys(spec, ['healthCheckNodePort'], 'spec.', changes, 'auto-assigned');
      break;
    }
    case 'persistentvolumes': {
      const claim = spec?.claimRef as Record<string, unknown> | undefined;
      if (claim) {
        deleteKeys(claim, ['uid', 'resourceVersion'], 'spec.claimRef.', changes, 'the restored claim is a new object');
        const to = mapNamespace(ctx.mappings, claim.namespace as string | undefined);
        if (to !== claim.namespace) {
          changes.push(`spec.claimRef.namespace ${claim.namespace} -> ${to} (--namespace-map)`);
          claim.namespace = to;
        }
      }
      deleteKeys(m.annotations, BIND_ANNOTATIONS, 'annotation ', changes, 'the volume is bound again');
      mapStorageClass(spec, ctx, changes, 'spec.storageClassName');
      break;
    }
    case 'persistentvolumeclaims':
      // A claim of a static volume this restore brings back keeps its binding; any other gets a new volume.
      if (spec?.volumeName && !ctx.restoredVolumes?.has(spec.volumeName)) {
        deleteKeys(spec, ['volumeName'], 'spec.', changes, 'its volume is not restored: the claim gets a new one from its storage class');
      }
      deleteKeys(m.annotations, PVC_ANNOTATIONS, 'annotation ', changes, 'the claim is bound again in the target');
      mapStorageClass(spec, ctx, changes, 'spec.storageClassName');
      break;
    case 'secrets':
      if (obj.type === 'kubernetes.io/service-account-token') {
        // Restored with its own keys; the target's token controller writes the token for the new account.
        deleteKeys(obj.data as Record<string, unknown> | undefined, TOKEN_KEYS, 'data.', changes, "the target cluster's token controller writes them for the account");
        deleteKeys(m.annotations, [TOKEN_UID_ANNOTATION], 'annotation ', changes, 'the account is a new object in the target');
      }
      break;
    case 'jobs.batch': {
      deleteKeys(m.labels, JOB_UID_LABELS, 'label ', changes, "the Job controller's uid of the old Job");
      deleteKeys(spec?.template?.metadata?.labels, JOB_UID_LABELS, 'template label ', changes, "the Job controller's uid of the old Job");
      if (spec?.selector && !spec.manualSelector) {
        delete spec.selector;
        changes.push('cleared spec.selector (the Job controller makes a new one)');
      }
      break;
    }
    case 'pods': {
      if (spec?.nodeName) deleteKeys(spec, ['nodeName'], 'spec.', changes, 'the scheduler places the pod again');
      const tokenVolumes = ((spec?.volumes ?? []) as { name: string }[]).filter((v) => v.name.startsWith('kube-api-access-')).map((v) => v.name);
      if (tokenVolumes.length) {
        spec!.volumes = spec!.volumes.filter((v: { name: string }) => !tokenVolumes.includes(v.name));
        for (const c of [...(spec!.containers ?? []), ...(spec!.initContainers ?? [])]) {
          if (c.volumeMounts) c.volumeMounts = c.volumeMounts.filter((vm: { name: string }) => !tokenVolumes.includes(vm.name));
        }
        changes.push(`dropped the service-account token volume ${tokenVolumes.join(', ')} (injected again at admission)`);
      }
      break;
    }
    case 'statefulsets.apps':
      for (const t of (spec?.volumeClaimTemplates ?? []) as { metadata?: { name?: string }; spec?: Record<string, unknown> }[]) {
        mapStorageClass(t.spec, ctx, changes, `volumeClaimTemplates[${t.metadata?.name}].spec.storageClassName`);
      }
      break;
    case 'rolebindings.rbac.authorization.k8s.io':
    case 'clusterrolebindings.rbac.authorization.k8s.io':
      for (const s of (obj.subjects ?? []) as { kind?: string; name?: string; namespace?: string }[]) {
        if (s.kind !== 'ServiceAccount' || !s.namespace) continue;
        const to = mapNamespace(ctx.mappings, s.namespace);
        if (to !== s.namespace) {
          changes.push(`subject ServiceAccount ${s.namespace}/${s.name} -> ${to}/${s.name} (--namespace-map)`);
          s.namespace = to;
        }
      }
      break;
  }
  changes.push(...mapImages(ctx.mappings, ref.kind, obj));
  m.labels = { ...(m.labels ?? {}), [RESTORED_FROM_LABEL]: ctx.snapshot };
  return { object: obj, changes };
}

function mapStorageClass(spec: Record<string, any> | undefined, ctx: CleanupContext, changes: string[], where: string): void {
  const from = spec?.storageClassName as string | undefined;
  if (!from) return;
  const to = ctx.mappings.storageClasses[from];
  if (to && to !== from) {
    spec!.storageClassName = to;
    changes.push(`${where} ${from} -> ${to} (--storage-class-map)`);
  }
}
