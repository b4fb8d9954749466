/**
 * The lab's dynamic provisioner: a PVC of StorageClass `lab-hostpath` (the default class) gets a
 * bound PV whose data is a folder of the lab (hostPath). When the claim goes, a PV with
 * reclaimPolicy Delete goes with its folder, as real dynamic provisioners do; Retain keeps both.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Plugin } from '../objects.ts';
import { benign, type Controller, type ControllerContext, nsKey, splitKey } from './framework.ts';
import { PROVISIONER, STORAGE_CLASS } from './bootstrap.ts';

/** The DefaultStorageClass admission plugin: a claim without a class gets the default one. */
export const defaultStorageClassPlugin: Plugin = {
  prepareCreate(info, pvc) {
    if (info.group !== '' || info.resource !== 'persistentvolumeclaims') return;
    pvc.spec ??= {};
    if (pvc.spec.storageClassName === undefined && !pvc.spec.volumeName) pvc.spec.storageClassName = STORAGE_CLASS;
    pvc.spec.volumeMode ??= 'Filesystem';
  },
};

export function volumesDir(ctx: ControllerContext): string {
  return ctx.options.volumesDir ?? path.join(os.tmpdir(), 'lifeboat-lab-volumes');
}

export function provisioner(ctx: ControllerContext): Controller {
  return {
    name: 'pv-provisioner',
    keysFor: (e) => (e.type === 'put' && ctx.is(e, '', 'persistentvolumeclaims') ? [nsKey(e.object)] : []),
    resync: () => ctx.list('', 'persistentvolumeclaims').filter((c) => c.status?.phase !== 'Bound').map(nsKey),
    async reconcile(key) {
      const [ns, name] = splitKey(key);
      const pvc = ctx.get('', 'persistentvolumeclaims', ns, name);
      if (!pvc || pvc.metadata.deletionTimestamp || pvc.status?.phase === 'Bound') return;
      const className = pvc.spec?.storageClassName;
      const sc = className ? ctx.get('storage.k8s.io', 'storageclasses', undefined, className) : undefined;
      if (!sc || sc.provisioner !== PROVISIONER) return;
      const pvName = pvc.spec?.volumeName || `pvc-${pvc.metadata.uid}`;
      const dir = path.join(volumesDir(ctx), pvName);
      fs.mkdirSync(dir, { recursive: true });
      const capacity = { storage: pvc.spec?.resources?.requests?.storage ?? '1Gi' };
      const accessModes = pvc.spec?.accessModes ?? ['ReadWriteOnce'];
      const pvInfo = ctx.info('', 'persistentvolumes');
      if (!ctx.get('', 'persistentvolumes', undefined, pvName)) {
        await ctx.api.create(pvInfo, undefined, {
          apiVersion: 'v1',
          kind: 'PersistentVolume',
          metadata: { name: pvName, annotations: { 'pv.kubernetes.io/provisioned-by': PROVISIONER }, finalizers: ['kubernetes.io/pv-protection'] },
          spec: {
            capacity,
            accessModes,
            persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
            storageClassName: className,
            volumeMode: pvc.spec?.volumeMode ?? 'Filesystem',
            hostPath: { path: dir, type: 'DirectoryOrCreate' },
            claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: ns, name, uid: pvc.metadata.uid },
          },
        }).catch(benign);
      }
      await ctx.api.mutate(pvInfo, undefined, pvName, (o) => ({ ...o, status: { phase: 'Bound' } }), { subresource: 'status' }).catch(benign);
      const pvcInfo = ctx.info('', 'persistentvolumeclaims');
      await ctx.api.mutate(pvcInfo, ns, name, (o) => {
        o.spec = { ...o.spec, volumeName: pvName };
        o.metadata.annotations = {
          ...(o.metadata.annotations ?? {}),
          'pv.kubernetes.io/bind-completed': 'yes',
          'pv.kubernetes.io/bound-by-controller': 'yes',
          'volume.beta.kubernetes.io/storage-provisioner': PROVISIONER,
          'volume.kubernetes.io/storage-provisioner': PROVISIONER,
        };
        o.metadata.finalizers = [...new Set([...(o.metadata.finalizers ?? []), 'kubernetes.io/pvc-protection'])];
        return o;
      }).catch(benign);
      await ctx.api.mutate(pvcInfo, ns, name, (o) => ({ ...o, status: { phase: 'Bound', accessModes, capacity } }), { subresource: 'status' }).catch(benign);
    },
  };
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
