// The volume-data source: the file trees of Docker named volumes (by their Mountpoint) and of
// PersistentVolumes lifeboat can reach from where it runs (hostPath and local volumes, the lab's
// `lab-hostpath` class, NFS through volumes.pathMap). Each is copied with its metadata (modes,
// times, owners, symlinks) as a tree:
//   /volumes/docker/<volume name>/
//   /volumes/pv/<PV name>/
// A volume that cannot be reached is a warning saying why and what to configure, and a skipped
// item in the manifest; never a silent skip.
import fs from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { IncompleteError, type JobContext } from '../../jobs/runner.ts';
import type { SnapshotSink, TreeProgress } from '../sink.ts';
import { SNAPSHOT_PATHS } from '../sink.ts';
import type { BackupSource, SkippedItem, SourceResult, ItemFilter } from '../types.ts';
import { addTreeWithProgress, measureTree, type TreeTally } from '../walk.ts';
import { errorLine } from '../../errors.ts';
import { dockerVolumeId, persistentVolumeId } from '../item-ids.ts';
import type { KubeClient } from '../../kube/client.ts';
import { aroundCopy, previewHooks } from './hooks.ts';

/** The parts of a Kubernetes PersistentVolume this source reads. */
export interface PersistentVolume {
  metadata: { name: string; annotations?: Record<string, string> };
  spec?: {
    storageClassName?: string;
    volumeMode?: string;
    hostPath?: { path: string };
    local?: { path: string };
    nfs?: { server: string; path: string };
    csi?: { driver: string; volumeHandle?: string };
    claimRef?: { namespace?: string; name?: string };
    [volumeType: string]: unknown;
  };
  status?: { phase?: string };
}

export interface PathMapping {
  /** A path as the volume names it (`/var/lib/docker/volumes`), or an NFS export (`server:/export`). */
  from: string;
  /** Where lifeboat finds it here. */
  to: string;
}

export interface VolumesSourceOptions {
  /** Only the volumes whose ids pass (default all). */
  only?: ItemFilter;
  /** The Docker engine whose named volumes to copy (`dockerClient(host)`); none without it. */
  docker?: Docker;
  /** How the engine was named, for messages. */
  dockerHost?: string;
  /** The cluster's PersistentVolumes in scope (the caller lists them). */
  persistentVolumes?: PersistentVolume[];
  /** Why the caller could not list them: the job then fails saying so, never "OK" on half. */
  persistentVolumesUnknown?: string;
  /** The cluster, to run the hooks of the pods that own each PersistentVolume (pod-hooks.ts). */
  kube?: KubeClient;
  /** volumes.pathMap of lifeboat.yaml: NFS exports and paths mounted elsewhere here. */
  pathMap?: PathMapping[];
}

/** Where a volume's files are, or why they cannot be reached. */
type Located = { dir: string; details: Record<string, string> } | { reason: string };

/** The longest `from` that is `target` or a parent of it (on '/' boundaries), applied. */
export function mapPath(target: string, pathMap: PathMapping[] = []): string | undefined {
  let best: PathMapping | undefined;
  for (const m of pathMap) {
    const from = m.from.replace(/\/+$/, '') || '/';
    const inside = target === from || target.startsWith(from.endsWith('/') ? from : `${from}/`);
    if (inside && (!best || from.length > best.from.replace(/\/+$/, '').length)) best = m;
  }
  if (!best) return undefined;
  const from = best.from.replace(/\/+$/, '');
  return path.join(best.to, target.slice(from.length));
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** A local path (hostPath, local, a Docker Mountpoint): mapped if pathMap says so, then checked. */
function localPath(what: string, p: string, pathMap: PathMapping[] | undefined, elsewhere: string): Located {
  const mapped = mapPath(p, pathMap);
  const dir = mapped ?? p;
  if (isDir(dir)) {
    try {
      fs.accessSync(dir, fs.constants.R_OK | fs.constants.X_OK);
    } catch {
      return { reason: `${what} ${dir} cannot be read by this user: run lifeboat as a user that can read it (often root)` };
    }
    return { dir, details: mapped ? { path: p, mappedTo: mapped } : { path: p } };
  }
  if (mapped) return { reason: `${what} ${p} is mapped by volumes.pathMap to ${mapped}, which is not a folder here: check the mapping and that it is mounted` };
  return { reason: `${what} ${p} is not a folder on this machine: ${elsewhere}, or add volumes.pathMap from: ${p} to: <where it is mounted here>` };
}

const CLOUD_TYPES = ['awsElasticBlockStore', 'gcePersistentDisk', 'azureDisk', 'azureFile', 'cephfs', 'rbd', 'iscsi', 'fc', 'cinder', 'glusterfs', 'portworxVolume', 'vsphereVolume', 'flexVolume', 'flocker', 'quobyte', 'scaleIO', 'storageos', 'photonPersistentDisk'];

/** Where a PV's data is, from its volume source. */
export function locatePersistentVolume(pv: PersistentVolume, pathMap?: PathMapping[]): Located {
  const spec = pv.spec ?? {};
  if (spec.volumeMode === 'Block') {
    return { reason: `it is a raw block device (volumeMode: Block), not a file tree: back it up with the storage system's own snapshots` };
  }
  if (spec.hostPath) return localPath('hostPath', spec.hostPath.path, pathMap, 'run lifeboat on the node that holds it');
  if (spec.local) return localPath('local volume', spec.local.path, pathMap, 'run lifeboat on the node its nodeAffinity names');
  if (spec.nfs) {
    const exp = `${spec.nfs.server}:${spec.nfs.path}`;
    const mapped = mapPath(exp, pathMap);
    if (!mapped) {
      return { reason: `NFS export ${exp} has no mount here: mount it and add volumes.pathMap from: ${exp} to: /mnt/<where it is mounted>` };
    }
    if (!isDir(mapped)) return { reason: `NFS export ${exp} is mapped by volumes.pathMap to ${mapped}, which is not a folder here: mount the export there` };
    return { dir: mapped, details: { nfs: exp, mappedTo: mapped } };
  }
  if (spec.csi) {
    return {
      reason: `it is a CSI volume (driver ${spec.csi.driver}${spec.csi.volumeHandle ? `, handle ${spec.csi.volumeHandle}` : ''}) lifeboat cannot read as files: back it up with a VolumeSnapshot of its driver, or mount it here and add volumes.pathMap from: ${spec.csi.volumeHandle ?? '<handle>'} to: <the mount>`,
    };
  }
  const type = CLOUD_TYPES.find((t) => spec[t] !== undefined) ?? Object.keys(spec).find((k) => spec[k] && typeof spec[k] === 'object' && !['capacity', 'claimRef', 'nodeAffinity', 'mountOptions'].includes(k));
  return { reason: `its volume type (${type ?? 'unknown'}) is not one lifeboat reads (hostPath, local, NFS): back it up with the storage system's own snapshots` };
}

interface Planned {
  id: string;
  snapshotPath: string;
  dir: string;
  details: Record<string, string>;
  size: TreeProgress;
}

/** The Docker engine's named volumes: where each is, or why not. */
async function dockerVolumes(ctx: JobContext, opts: VolumesSourceOptions, plan: Planned[], skip: (s: SkippedItem) => void): Promise<void> {
  const docker = opts.docker!;
  const host = opts.dockerHost ?? 'the Docker engine';
  const listed = await ctx.retry(() => docker.listVolumes({ abortSignal: ctx.signal } as Parameters<Docker['listVolumes']>[0]));
  for (const v of (listed.Volumes ?? []).sort((a, b) => a.Name.localeCompare(b.Name))) {
    const id = dockerVolumeId(v.Name);
    if (opts.only && !opts.only(id)) continue;
    if (!v.Mountpoint) {
      skip({ id, reason: `Docker volume ${v.Name} (driver ${v.Driver}) has no Mountpoint on ${host}: lifeboat copies volumes of the local driver` });
      continue;
    }
    const where = localPath(`Docker volume ${v.Name}: its Mountpoint`, v.Mountpoint, opts.pathMap, `run lifeboat on the machine of ${host}`);
    if ('reason' in where) {
      skip({ id, reason: where.reason });
      continue;
    }
    plan.push({
      id,
      snapshotPath: `${SNAPSHOT_PATHS.volumes}/docker/${v.Name}`,
      dir: where.dir,
      details: { ...where.details, driver: v.Driver, engine: host },
      size: { bytes: 0, items: 0 },
    });
  }
}

export function volumesSource(opts: VolumesSourceOptions): BackupSource {
  return {
    kind: 'volumes',
    title: 'Volume data',
    async preview(signal) {
      const lines: string[] = [];
      for (const pv of opts.persistentVolumes ?? []) {
        const claim = pv.spec?.claimRef?.name ? `${pv.spec.claimRef.namespace ?? ''}/${pv.spec.claimRef.name}` : '';
        if (!opts.kube || !claim) continue;
        for (const h of await previewHooks(opts.kube, claim, signal)) lines.push(`PersistentVolume ${pv.metadata.name} (claim ${claim}): ${h}`);
      }
      return lines;
    },
    async run(ctx: JobContext, sink: SnapshotSink): Promise<SourceResult> {
      const result: SourceResult = { captured: [], skipped: [], bytes: 0, items: 0 };
      const failures: string[] = [];
      const skip = (s: SkippedItem) => {
        ctx.warn(s.reason.startsWith('Docker volume') ? s.reason : `${s.id.replace(/^volume:/, '')}: ${s.reason}`);
        result.skipped.push(s);
      };
      const plan: Planned[] = [];
      ctx.progress({ phase: 'finding volumes', bytesDone: 0, itemsDone: 0 });
      if (opts.persistentVolumesUnknown) failures.push(`the cluster's PersistentVolumes could not be listed (${opts.persistentVolumesUnknown}): their data is not in this snapshot`);

      for (const pv of opts.persistentVolumes ?? []) {
        const id = persistentVolumeId(pv.metadata.name);
        const where = locatePersistentVolume(pv, opts.pathMap);
        const claim = pv.spec?.claimRef?.name ? `${pv.spec.claimRef.namespace ?? ''}/${pv.spec.claimRef.name}` : '';
        if ('reason' in where) {
          skip({ id, reason: `PersistentVolume ${pv.metadata.name}${claim ? ` (claim ${claim})` : ''}: ${where.reason}` });
          continue;
        }
        const details: Record<string, string> = { ...where.details, claim, storageClass: pv.spec?.storageClassName ?? '' };
        plan.push({ id, snapshotPath: `${SNAPSHOT_PATHS.volumes}/pv/${pv.metadata.name}`, dir: where.dir, details, size: { bytes: 0, items: 0 } });
      }
      if (opts.docker) {
        try {
          await dockerVolumes(ctx, opts, plan, skip);
        } catch (e) {
          if (ctx.signal.aborted) throw e;
          failures.push(`Docker volumes of ${opts.dockerHost ?? 'the Docker engine'}: ${errorLine(e)}`);
        }
      }

      // A quick walk first, for totals.
      ctx.progress({ phase: 'measuring' });
      const tally: TreeTally = { done: { bytes: 0, items: 0 }, total: { bytes: 0, items: 0 } };
      for (const p of plan) {
        p.size = await measureTree(p.dir, ctx.signal);
        tally.total.bytes += p.size.bytes;
        tally.total.items += p.size.items;
      }
      for (const p of plan) {
        ctx.signal.throwIfAborted();
        try {
          // The hooks of the pods that own the volume run around its copy.
          const run = await aroundCopy(ctx, opts.kube, p.details.claim, () => addTreeWithProgress(ctx, sink, p.snapshotPath, p.dir, tally, `copying ${p.id.replace(/^volume:/, '')}`));
          if (run.failure) failures.push(`${p.id.replace(/^volume:/, '')}: ${run.failure}`);
          const got = run.value;
          if (!got) continue;
          const details = run.lines.length ? { ...p.details, hooks: run.lines.join('\n') } : p.details;
          result.captured.push({ id: p.id, path: p.snapshotPath, bytes: got.bytes, items: got.items, details });
          result.bytes += got.bytes;
          result.items += got.items;
        } catch (e) {
          if (ctx.signal.aborted) throw e;
          failures.push(`${p.id.replace(/^volume:/, '')} (${p.dir}): ${errorLine(e)}`);
        }
      }
      result.details = { volumes: result.captured.length, unreachable: result.skipped.length };
      // What was copied stays in the snapshot (partial) when another volume failed (a hook said stop).
      if (failures.length) throw result.captured.length ? new IncompleteError(failures.join('; '), result) : new Error(failures.join('; '));
      return result;
    },
  };
}
