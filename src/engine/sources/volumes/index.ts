// The volumes source: the files of Docker's named volumes and of the cluster's PersistentVolumes
// (where this machine reaches them), under /volumes/docker/<name> and /volumes/pv/<name>.
import type { VolumeAction } from '../../restore/types.ts';
import { persistentVolumeId } from '../item-ids.ts';
import { SNAPSHOT_PATHS } from '../sink.ts';
import type { SourceModule } from '../source.ts';
import type { PersistentVolume } from './backup.ts';
import { classifyVolumes, observeVolumes } from './inventory.ts';
import type { PlannedRestoreHook } from './restore-hooks.ts';
import { errorLine } from '../../errors.ts';

declare module '../types.ts' {
  interface SourceNames {
    volumes: true;
  }
}
declare module '../../restore/types.ts' {
  interface RestoreActions {
    volumes: VolumeAction;
  }
  interface VolumeAction {
    /** The post-restore hooks of the pods that mount the restored claim (restore-hooks.ts). */
    postRestoreHooks?: PlannedRestoreHook[];
  }
}

export const volumesSourceModule: SourceModule = {
  kind: 'volumes',
  snapshotPath: SNAPSHOT_PATHS.volumes,
  itemPrefix: 'volume',
  config: {
    shape: { 'volumes?': { 'pathMap?': [{ from: 'string', to: 'string' }] } },
    notConfigured: 'no Docker host and no cluster: add docker.host or a cluster to lifeboat.yaml',
  },
  async backup({ kube, docker, dockerHost, namespaces, only, config }) {
    let pvs: PersistentVolume[] = [];
    let pvsUnknown: string | undefined;
    if (kube) {
      const { persistentVolumes } = await import('../../kube/workloads.ts');
      try {
        const all = (await persistentVolumes(kube)) as unknown as PersistentVolume[];
        pvs = namespaces?.length ? all.filter((pv) => namespaces.includes(pv.spec?.claimRef?.namespace ?? '')) : all;
        if (only) pvs = pvs.filter((pv) => only(persistentVolumeId(pv.metadata.name)));
      } catch (e) {
        pvsUnknown = errorLine(e);
      }
    }
    if (!docker && !pvs.length && !pvsUnknown) return undefined;
    const { volumesSource } = await import('./backup.ts');
    return volumesSource({ docker, dockerHost, persistentVolumes: pvs, persistentVolumesUnknown: pvsUnknown, pathMap: config.volumes?.pathMap, only, kube });
  },
  inventory: (ctx) => classifyVolumes(observeVolumes(ctx) ?? []),
  restore: {
    name: 'volumes',
    title: 'Volume data',
    label: 'volume data',
    byDefault: true,
    order: 20,
    readsObjects: true,
    waitsFor: ['objects'],
    async plan(ctx) {
      const actions = await (await import('./restore.ts')).planVolumes(ctx);
      const { planRestoreHooks } = await import('./restore-hooks.ts');
      for (const h of planRestoreHooks(ctx, actions)) {
        const a = actions.find((x) => x.id === h.after)!;
        (a.postRestoreHooks ??= []).push(h);
      }
      return actions;
    },
    async apply(job, ctx, actions) {
      const volumes = actions as VolumeAction[];
      const result = await (await import('./restore.ts')).applyVolumes(job, ctx, volumes);
      // Each restored volume's hooks, once its pod runs again.
      const restored = new Set(result.items.filter((i) => i.outcome !== 'failed' && i.outcome !== 'skipped').map((i) => i.id));
      const hooks = volumes.filter((a) => restored.has(a.id)).flatMap((a) => a.postRestoreHooks ?? []);
      if (hooks.length) {
        const { runRestoreHooks } = await import('./restore-hooks.ts');
        result.items.push(...(await runRestoreHooks(job, ctx.target.kube, hooks, ctx.options.waitTimeoutMs ?? 120_000)));
      }
      return result;
    },
  },
};
