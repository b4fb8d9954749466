/**
 * Volumes: the PV controller's binding (pre-bound claims and volumes, static volumes, the legacy
 * storage-class annotation) and the lab's dynamic provisioner: a PVC of StorageClass
 * `lab-hostpath` (the default class) gets a bound PV whose data is a folder of the lab (hostPath). When the claim goes, a PV with
 * reclaimPolicy Delete goes with its folder, as real dynamic provisioners do; Retain keeps both.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Plugin } from '../objects.ts';
import type { KubeObject } from '../storage.ts';
import { benign, type Controller, type ControllerContext, nsKey, splitKey } from './framework.ts';
import { PROVISIONER, STORAGE_CLASS } from './bootstrap.ts';

/** The class of a claim or volume: the legacy beta annotation wins over the field, as upstream. */
export const LEGACY_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';
const SELECTED_NODE = 'volume.kubernetes.io/selected-node';
export function classOf(o: KubeObject): string {
  return o.metadata.annotations?.[LEGACY_CLASS_ANNOTATION] ?? o.spec?.storageClassName ?? '';
}

/** The DefaultStorageClass admission plugin: a claim without a class gets the default one. */
export const defaultStorageClassPlugin: Plugin = {
  prepareCreate(info, pvc) {
    if (info.group !== '' || info.resource !== 'persistentvolumeclaims') return;
    pvc.spec ??= {};
    const legacy = pvc.metadata.annotations?.[LEGACY_CLASS_ANNOTATION];
    if (pvc.spec.storageClassName === undefined && legacy === undefined && !pvc.spec.volumeName) pvc.spec.storageClassName = STORAGE_CLASS;
    pvc.spec.volumeMode ??= 'Filesystem';
  },
};

export function volumesDir(ctx: ControllerContext): string {
  return ctx.options.volumesDir ?? path.join(os.tmpdir(), 'lifeboat-lab-volumes');
}

const UNITS: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60, m: 1e-3 };
/** A resource.Quantity ("10Gi", "500M", "1e3") in base units. */
export function quantity(q: unknown): number {
  const m = /^([+-]?[0-9.]+)(e[+-]?\d+|[kMGTPE]i?|Ki|m)?$/.exec(String(q ?? '').trim());
  if (!m) return NaN;
  const suffix = m[2] ?? '';
  return suffix.startsWith('e') ? Number(m[1] + suffix) : Number(m[1]) * (UNITS[suffix] ?? NaN);
}

/** Whether volume `pv` can hold claim `pvc` (class, access modes, size, mode), as the PV controller matches. */
function fits(pv: KubeObject, pvc: KubeObject): boolean {
  if (classOf(pv) !== classOf(pvc)) return false;
  if ((pv.spec?.volumeMode ?? 'Filesystem') !== (pvc.spec?.volumeMode ?? 'Filesystem')) return false;
  const modes: string[] = pv.spec?.accessModes ?? [];
  if (!(pvc.spec?.accessModes ?? []).every((m: string) => modes.includes(m))) return false;
  return quantity(pv.spec?.capacity?.storage) >= quantity(pvc.spec?.resources?.requests?.storage ?? 0);
}

const claimedBy = (pv: KubeObject, pvc: KubeObject) =>
  pv.spec?.claimRef?.name === pvc.metadata.name && pv.spec?.claimRef?.namespace === pvc.metadata.namespace && (!pv.spec.claimRef.uid || pv.spec.claimRef.uid === pvc.metadata.uid);

/**
 * The PV controller's binding, and the lab's dynamic provisioner: a claim binds to the volume it
 * names (spec.volumeName), else to a volume pre-bound to it (claimRef), else to the smallest
 * available volume that fits, else, for the lab's StorageClass, to a new hostPath volume.
 */
export function provisioner(ctx: ControllerContext): Controller {
  const pending = () => ctx.list('', 'persistentvolumeclaims').filter((c) => c.status?.phase !== 'Bound' && !c.metadata.deletionTimestamp).map(nsKey);
  return {
    name: 'pv-binder',
    keysFor: (e) => {
      if (e.type === 'put' && ctx.is(e, '', 'persistentvolumeclaims')) return [nsKey(e.object)];
      if (e.type === 'put' && ctx.is(e, '', 'pods') && e.object.spec?.nodeName) {
        return (e.object.spec.volumes ?? []).filter((v: any) => v.persistentVolumeClaim?.claimName).map((v: any) => `${e.object.metadata.namespace}/${v.persistentVolumeClaim.claimName}`);
      }
      if (e.type === 'put' && ctx.is(e, '', 'persistentvolumes') && e.object.status?.phase !== 'Bound') return pending();
      return [];
    },
    resync: pending,
    async reconcile(key) {
      const [ns, name] = splitKey(key);
      const pvc = ctx.get('', 'persistentvolumeclaims', ns, name);
      if (!pvc || pvc.metadata.deletionTimestamp || pvc.status?.phase === 'Bound') return;
      const volumes = ctx.list('', 'persistentvolumes').filter((v) => !v.metadata.deletionTimestamp);
      const named = pvc.spec?.volumeName ? volumes.find((v) => v.metadata.name === pvc.spec.volumeName) : undefined;
      if (pvc.spec?.volumeName) {
        if (named && (!named.spec?.claimRef || claimedBy(named, pvc))) await bind(ctx, named, pvc, false);
        else if (!named) await provision(ctx, pvc, pvc.spec.volumeName);
        return;
      }
      const prebound = volumes.find((v) => claimedBy(v, pvc) && v.status?.phase !== 'Bound');
      if (prebound) return bind(ctx, prebound, pvc, true);
      // WaitForFirstConsumer: no binding or provisioning before a Pod that uses the claim is
      // scheduled; then the scheduler names its node on the claim.
      const sc = ctx.get('storage.k8s.io', 'storageclasses', undefined, classOf(pvc));
      if (sc?.volumeBindingMode === 'WaitForFirstConsumer') {
        const consumer = ctx.list('', 'pods', ns).find((p) => p.spec?.nodeName && (p.spec.volumes ?? []).some((v: any) => v.persistentVolumeClaim?.claimName === name));
        if (!consumer) return;
        if (pvc.metadata.annotations?.[SELECTED_NODE] !== consumer.spec.nodeName) {
          await ctx.api.mutate(ctx.info('', 'persistentvolumeclaims'), ns, name, (o) => {
            o.metadata.annotations = { ...(o.metadata.annotations ?? {}), [SELECTED_NODE]: consumer.spec.nodeName };
            return o;
          }).catch(benign);
        }
      }
      const candidates = volumes
        .filter((v) => !v.spec?.claimRef && v.status?.phase === 'Available' && fits(v, pvc))
        .sort((a, b) => quantity(a.spec?.capacity?.storage) - quantity(b.spec?.capacity?.storage));
      if (candidates[0]) return bind(ctx, candidates[0], pvc, true);
      await provision(ctx, pvc, `pvc-${pvc.metadata.uid}`);
    },
  };
}

/** A new hostPath volume for a claim of the lab's StorageClass (named `pvName`). */
async function provision(ctx: ControllerContext, pvc: KubeObject, pvName: string): Promise<void> {
  const className = classOf(pvc);
  const sc = className ? ctx.get('storage.k8s.io', 'storageclasses', undefined, className) : undefined;
  if (!sc || sc.provisioner !== PROVISIONER) return;
  // A claim naming a volume that is missing waits for it, as upstream; the lab provisions it
  // only for its own class, where nothing else could ever create it.
  const dir = path.join(volumesDir(ctx), pvName);
  fs.mkdirSync(dir, { recursive: true });
  const pvInfo = ctx.info('', 'persistentvolumes');
  const created = await ctx.api.create(pvInfo, undefined, {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: pvName, annotations: { 'pv.kubernetes.io/provisioned-by': PROVISIONER }, finalizers: ['kubernetes.io/pv-protection'] },
    spec: {
      capacity: { storage: pvc.spec?.resources?.requests?.storage ?? '1Gi' },
      accessModes: pvc.spec?.accessModes ?? ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
      storageClassName: className,
      volumeMode: pvc.spec?.volumeMode ?? 'Filesystem',
      hostPath: { path: dir, type: 'DirectoryOrCreate' },
      claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: pvc.metadata.namespace, name: pvc.metadata.name, uid: pvc.metadata.uid },
    },
  }).catch(benign);
  const pv = created ?? ctx.get('', 'persistentvolumes', undefined, pvName);
  if (pv) await bind(ctx, pv, pvc, !pvc.spec?.volumeName, { 'volume.beta.kubernetes.io/storage-provisioner': PROVISIONER, 'volume.kubernetes.io/storage-provisioner': PROVISIONER });
}

/** Binds both ways: the volume's claimRef and phase, then the claim's volumeName, annotations and phase. */
async function bind(ctx: ControllerContext, pv: KubeObject, pvc: KubeObject, byController: boolean, extra: Record<string, string> = {}): Promise<void> {
  const pvInfo = ctx.info('', 'persistentvolumes');
  const pvcInfo = ctx.info('', 'persistentvolumeclaims');
  const ns = pvc.metadata.namespace;
  const name = pvc.metadata.name;
  const pvName = pv.metadata.name;
  const claimRef = { kind: 'PersistentVolumeClaim', namespace: ns, name, uid: pvc.metadata.uid, apiVersion: 'v1', resourceVersion: pvc.metadata.resourceVersion };
  if (!pv.spec?.claimRef?.uid) {
    const setRef = !pv.spec?.claimRef;
    await ctx.api.mutate(pvInfo, undefined, pvName, (o) => {
      o.spec = { ...o.spec, claimRef: { ...(o.spec.claimRef ?? {}), ...claimRef } };
      if (setRef) o.metadata.annotations = { ...(o.metadata.annotations ?? {}), 'pv.kubernetes.io/bound-by-controller': 'yes' };
      return o;
    }).catch(benign);
  }
  await ctx.api.mutate(pvInfo, undefined, pvName, (o) => ({ ...o, status: { phase: 'Bound' } }), { subresource: 'status' }).catch(benign);
  await ctx.api.mutate(pvcInfo, ns, name, (o) => {
    o.spec = { ...o.spec, volumeName: pvName };
    o.metadata.annotations = {
      ...(o.metadata.annotations ?? {}),
      'pv.kubernetes.io/bind-completed': 'yes',
      ...(byController ? { 'pv.kubernetes.io/bound-by-controller': 'yes' } : {}),
      ...extra,
    };
    o.metadata.finalizers = [...new Set([...(o.metadata.finalizers ?? []), 'kubernetes.io/pvc-protection'])];
    return o;
  }).catch(benign);
  const capacity = pv.spec?.capacity ?? { storage: pvc.spec?.resources?.requests?.storage ?? '1Gi' };
  const accessModes = pv.spec?.accessModes ?? pvc.spec?.accessModes ?? ['ReadWriteOnce'];
  await ctx.api.mutate(pvcInfo, ns, name, (o) => ({ ...o, status: { phase: 'Bound', accessModes, capacity } }), { subresource: 'status' }).catch(benign);
}

/**
 * Claims and volumes being deleted: the protection finalizers come off (no pod really uses a
 * claim), and a released volume is deleted (reclaimPolicy Delete, with its folder) or marked
 * Released (Retain).
 */
export function reclaimer(ctx: ControllerContext): Controller {
  return {
    name: 'pv-reclaimer',
    keysFor: (e) => {
      if (ctx.is(e, '', 'persistentvolumeclaims')) {
        const keys = [`pvc:${nsKey(e.object)}`];
        if (e.type === 'delete' && e.object.spec?.volumeName) keys.push(`pv:/${e.object.spec.volumeName}`);
        return keys;
      }
      if (ctx.is(e, '', 'persistentvolumes') && e.type === 'put') return [`pv:/${e.object.metadata.name}`];
      return [];
    },
    resync: () => ctx.list('', 'persistentvolumes').filter((v) => v.spec?.claimRef).map((v) => `pv:/${v.metadata.name}`),
    async reconcile(key) {
      const [kind, rest] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
      const [ns, name] = splitKey(rest);
      if (kind === 'pvc') {
        const pvc = ctx.get('', 'persistentvolumeclaims', ns, name);
        if (pvc?.metadata.deletionTimestamp && pvc.metadata.finalizers?.includes('kubernetes.io/pvc-protection')) {
          await ctx.api.mutate(ctx.info('', 'persistentvolumeclaims'), ns, name, (o) => {
            o.metadata.finalizers = o.metadata.finalizers.filter((f: string) => f !== 'kubernetes.io/pvc-protection');
            return o;
          }).catch(benign);
        }
        return;
      }
      const pv = ctx.get('', 'persistentvolumes', undefined, name);
      if (!pv) return;
      const pvInfo = ctx.info('', 'persistentvolumes');
      if (pv.metadata.deletionTimestamp) {
        if (pv.metadata.finalizers?.includes('kubernetes.io/pv-protection')) {
          await ctx.api.mutate(pvInfo, undefined, name, (o) => {
            o.metadata.finalizers = o.metadata.finalizers.filter((f: string) => f !== 'kubernetes.io/pv-protection');
            return o;
          }).catch(benign);
        }
        return;
      }
      const ref = pv.spec?.claimRef;
      if (!ref) return;
      const claim = ctx.get('', 'persistentvolumeclaims', ref.namespace, ref.name);
      if (claim && (!ref.uid || claim.metadata.uid === ref.uid)) return;
      if (pv.spec.persistentVolumeReclaimPolicy === 'Delete') {
        const dir = pv.spec.hostPath?.path;
        await ctx.api.delete(pvInfo, undefined, name).catch(benign);
        if (dir && path.resolve(dir).startsWith(path.resolve(volumesDir(ctx)) + path.sep)) fs.rmSync(dir, { recursive: true, force: true });
      } else if (pv.status?.phase !== 'Released') {
        await ctx.api.mutate(pvInfo, undefined, name, (o) => ({ ...o, status: { phase: 'Released' } }), { subresource: 'status' }).catch(benign);
      }
    },
  };
}
