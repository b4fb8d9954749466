// The inventory's rows for volume data: the cluster's PersistentVolumes (can lifeboat reach their
// folders? does deleting the claim delete the data?) and Docker's named volumes.
import type { InventoryItem } from '../../inventory/types.ts';
import type { VolumeObservation } from '../../inventory/classify.ts';
import type { InventoryContext } from '../source.ts';
import { dockerVolumeId, persistentVolumeId } from '../item-ids.ts';
import { locatePersistentVolume, type PersistentVolume } from './backup.ts';

/** What the inventory saw of the volumes: PVs from the cluster's objects, then Docker's volumes. */
export function observeVolumes(ctx: InventoryContext): VolumeObservation[] | undefined {
  if (!ctx.cluster && !ctx.docker) return undefined;
  const pvs: VolumeObservation[] = (ctx.cluster?.objects ?? [])
    .filter(({ resource }) => resource.resource === 'persistentvolumes' && !resource.group)
    .map(({ obj }) => {
      const spec = obj.spec as { persistentVolumeReclaimPolicy?: string; claimRef?: { namespace?: string; name?: string }; storageClassName?: string };
      const where = locatePersistentVolume(obj as unknown as PersistentVolume, ctx.config.volumes?.pathMap);
      return {
        id: persistentVolumeId(obj.metadata.name),
        kind: 'PersistentVolume' as const,
        name: obj.metadata.name,
        reachable: 'dir' in where,
        why: 'reason' in where ? where.reason : undefined,
        reclaimPolicy: spec?.persistentVolumeReclaimPolicy,
        claim: spec?.claimRef ? `${spec.claimRef.namespace}/${spec.claimRef.name}` : undefined,
        storageClass: spec?.storageClassName,
      };
    });
  const docker: VolumeObservation[] = (ctx.docker?.volumes ?? []).map((name) => ({ id: dockerVolumeId(name), kind: 'DockerVolume', name, reachable: true }));
  return [...pvs, ...docker];
}

export function classifyVolumes(volumes: VolumeObservation[]): InventoryItem[] {
  const items: InventoryItem[] = [];
  for (const v of volumes) {
    const base = { id: v.id, group: v.kind === 'DockerVolume' ? 'docker' : 'cluster', kind: v.kind === 'DockerVolume' ? 'Volume' : 'PV data', name: v.name, source: 'volumes' as const };
    const details = { ...(v.claim ? { claim: v.claim } : {}), ...(v.reclaimPolicy ? { reclaimPolicy: v.reclaimPolicy } : {}), ...(v.storageClass ? { storageClass: v.storageClass } : {}) };
    if (!v.reachable) items.push({ ...base, verdict: 'at-risk', reason: `lifeboat cannot reach its data: ${v.why ?? 'no path on this machine'}`, details });
    else if (v.reclaimPolicy === 'Delete') {
      items.push({ ...base, verdict: 'at-risk', reason: `reclaim policy Delete: deleting its claim${v.claim ? ` ${v.claim}` : ''} deletes the data`, details });
    } else items.push({ ...base, verdict: 'needs-backup', reason: v.kind === 'DockerVolume' ? 'Docker named volume: data lives only here' : `persistent data${v.claim ? ` of ${v.claim}` : ''}`, details });
  }
  return items;
}
