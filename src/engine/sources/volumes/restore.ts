// Volume data: /volumes/docker/<name> into that Docker volume (created if missing), and
// /volumes/pv/<pv> into the folder of the PV bound to its claim once the objects are restored
// (a new PV when the old one was dynamically provisioned), or all of it into a folder given.
// Links are restored as links and never followed; every file is read back and checked by hash.
// Volume names come from the snapshot: each must be one plain name (a Docker volume: one Docker
// accepts), and the folder under --volume-target is resolved by Containment, so no name and no
// link (one an earlier volume restored included) leads outside it.
import fs from 'node:fs';
import path from 'node:path';
import type { JobContext } from '../../jobs/runner.ts';
import type { KubeObject } from '../../kube/client.ts';
import { containedDir, unsafeNameReason } from '../../repository/contain.ts';
import { NotFoundError } from '../../repository/errors.ts';
import { listPath } from '../../repository/reader.ts';
import { restoreSnapshot } from '../../repository/restore.ts';
import { SNAPSHOT_PATHS } from '../sink.ts';
import { locatePersistentVolume, mapPath, type PersistentVolume } from './backup.ts';
import { applyEach, hasEntries, type ApplyContext } from '../../restore/apply-context.ts';
import { resourceNameOf } from '../../restore/cleanup.ts';
import { mapNamespace } from '../../restore/mappings.ts';
import { waitFor } from '../../restore/objects-apply.ts';
import { getLive } from '../../restore/objects-plan.ts';
import type { SourcePlanContext } from '../../restore/plan.ts';
import type { ApplyResult, ItemResult, ObjectRef, VolumeAction, VolumeTarget } from '../../restore/types.ts';
import { dockerVolumeId, persistentVolumeId } from '../item-ids.ts';
import { mention } from '../../mentions.ts';

const PV_REF: ObjectRef = { group: '', version: 'v1', apiVersion: 'v1', resource: 'persistentvolumes', kind: 'PersistentVolume', namespaced: false };
const PVC_REF: ObjectRef = { group: '', version: 'v1', apiVersion: 'v1', resource: 'persistentvolumeclaims', kind: 'PersistentVolumeClaim', namespaced: true };

async function list(ctx: SourcePlanContext, p: string): Promise<string[]> {
  try {
    return (await listPath(ctx.repo, ctx.snapshot, p)).filter((e) => e.node.type === 'dir').map((e) => e.node.name);
  } catch (e) {
    if (e instanceof NotFoundError) return [];
    throw e;
  }
}

/** What Docker accepts as a volume name (daemon/names: RestrictedNameChars). */
const DOCKER_VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export function describeVolumeTarget(t: VolumeTarget): string {
  switch (t.type) {
    case 'dir':
      return t.dir;
    case 'docker':
      return `Docker volume ${t.volume}`;
    case 'claim':
      return `the volume bound to claim ${t.namespace}/${t.name}`;
    case 'pv':
      return `PersistentVolume ${t.name}`;
  }
}

export async function planVolumes(ctx: SourcePlanContext): Promise<VolumeAction[]> {
  const out: VolumeAction[] = [];
  const captured = new Map((ctx.manifest?.captured ?? []).filter((c) => c.source === 'volumes').map((c) => [c.id, c]));
  const sized = (id: string) => ({ bytes: captured.get(id)?.bytes, items: captured.get(id)?.items });
  const policy = ctx.options.existingPolicy ?? 'skip';
  const policyWords = policy === 'skip' ? 'if it already holds data it is left as it is' : policy === 'update' ? 'files already there are overwritten' : 'what is already there is removed first';

  // Refused volumes fail when applied (exit 1), so a hostile name never passes as success.
  const refuse = (kind: string, name: string, why: string) => {
    const reason = `refused: the snapshot names this ${kind} with ${why}, which could lead outside the target; nothing of it is restored`;
    ctx.warnings.push(`volumes: ${kind} ${JSON.stringify(name)}: ${reason}`);
    out.push({ source: 'volumes', id: `volume:${JSON.stringify(name)}`, title: `${kind} ${JSON.stringify(name)}`, from: '', verb: 'restore', refused: reason, reason, warnings: [] });
  };
  const intoTarget = (kind: 'docker' | 'pv', name: string): Extract<VolumeTarget, { type: 'dir' }> => {
    const root = path.resolve(ctx.options.volumeTarget!);
    return { type: 'dir', dir: path.join(root, kind, name), root, parts: [kind, name] };
  };
  for (const name of await list(ctx, `${SNAPSHOT_PATHS.volumes}/docker`)) {
    if (ctx.narrowed && !ctx.scope.names?.includes(name)) continue;
    const why = unsafeNameReason(name) ?? (DOCKER_VOLUME_NAME.test(name) ? undefined : `a name Docker does not accept for a volume`);
    if (why) {
      refuse('Docker volume', name, why);
      continue;
    }
    const id = dockerVolumeId(name);
    const from = `${SNAPSHOT_PATHS.volumes}/docker/${name}`;
    const base = { source: 'volumes' as const, id, title: `Docker volume ${name}`, from, warnings: [], ...sized(id) };
    if (ctx.options.volumeTarget) {
      const target = intoTarget('docker', name);
      out.push({ ...base, verb: 'restore', target, reason: `into ${target.dir} (${mention('volumeTarget')}); ${policyWords}` });
    } else if (ctx.target.docker) {
      out.push({ ...base, verb: 'restore', target: { type: 'docker', volume: name }, reason: `into the Docker volume ${name} (created if missing); ${policyWords}` });
    } else out.push({ ...base, verb: 'skip', reason: `no Docker engine to restore it into: configure docker.host, or give ${mention('volumeTarget', 'DIR')}` });
  }

  const pvObjects = new Map(ctx.snapshotObjects.filter((o) => resourceNameOf(o.ref) === 'persistentvolumes').map((o) => [o.object.metadata.name, o.object]));
  const pvActions = new Map(ctx.objectActions.filter((a) => resourceNameOf(a.ref) === 'persistentvolumes').map((a) => [a.name, a]));
  const restoredClaims = new Set(ctx.objectActions.filter((a) => resourceNameOf(a.ref) === 'persistentvolumeclaims').map((a) => `${a.fromNamespace ?? a.namespace}/${a.name}`));
  for (const pvName of await list(ctx, `${SNAPSHOT_PATHS.volumes}/pv`)) {
    const why = unsafeNameReason(pvName);
    if (why) {
      refuse('volume', pvName, why);
      continue;
    }
    const id = persistentVolumeId(pvName);
    const from = `${SNAPSHOT_PATHS.volumes}/pv/${pvName}`;
    const claimRef = (pvObjects.get(pvName)?.spec as PersistentVolume['spec'])?.claimRef;
    const claimText = claimRef?.name ? `${claimRef.namespace}/${claimRef.name}` : String(captured.get(id)?.details?.claim ?? '');
    const [claimNs, claimName] = claimText.includes('/') ? (claimText.split('/') as [string, string]) : [undefined, undefined];
    if (ctx.narrowed) {
      const inScope = ctx.objectActions.length ? restoredClaims.has(claimText) : ctx.scope.namespaces?.includes(claimNs ?? '');
      if (!inScope) continue;
    }
    const base = { source: 'volumes' as const, id, title: `volume ${pvName}${claimText ? ` (claim ${claimText})` : ''}`, from, warnings: [], ...sized(id) };
    if (ctx.options.volumeTarget) {
      const target = intoTarget('pv', pvName);
      out.push({ ...base, verb: 'restore', target, reason: `into ${target.dir} (${mention('volumeTarget')}); ${policyWords}` });
      continue;
    }
    if (!ctx.target.kube) {
      out.push({ ...base, verb: 'skip', reason: `no target cluster to find its volume in: name one, or give ${mention('volumeTarget', 'DIR')}` });
      continue;
    }
    const pvAction = pvActions.get(pvName);
    if (pvAction && (pvAction.verb !== 'skip' || pvAction.live)) {
      out.push({ ...base, verb: 'restore', target: { type: 'pv', name: pvName }, reason: `into the folder of PersistentVolume ${pvName}; ${policyWords}` });
    } else if (claimNs && claimName) {
      const ns = mapNamespace(ctx.mappings, claimNs);
      out.push({
        ...base,
        verb: 'restore',
        target: { type: 'claim', namespace: ns, name: claimName },
        reason: `into the volume the cluster binds to claim ${ns}/${claimName} (waited for); ${policyWords}`,
      });
    } else out.push({ ...base, verb: 'skip', reason: `neither its PersistentVolume nor a claim is restored: give ${mention('volumeTarget', 'DIR')} to get its files` });
  }
  return out;
}

/** The folder a volume's data goes into, made or found as its target says. */
async function resolveDir(job: JobContext, ctx: ApplyContext, t: VolumeTarget): Promise<string> {
  const timeout = ctx.options.waitTimeoutMs ?? 60_000;
  if (t.type === 'dir') return t.root && t.parts ? containedDir(t.root, t.parts) : containedDir(t.dir, []);
  if (t.type === 'docker') {
    const docker = ctx.target.docker!;
    let info = await docker.getVolume(t.volume).inspect().catch((e) => {
      if ((e as { statusCode?: number }).statusCode === 404) return undefined;
      throw e;
    });
    if (!info) {
      await job.retry(() => docker.createVolume({ Name: t.volume }));
      info = await docker.getVolume(t.volume).inspect();
    }
    return mapPath(info.Mountpoint, ctx.target.pathMap) ?? info.Mountpoint;
  }
  const client = ctx.target.kube!;
  let pvName = t.type === 'pv' ? t.name : '';
  if (t.type === 'claim') {
    await waitFor(
      `claim ${t.namespace}/${t.name} to be bound`,
      async () => {
        const pvc = await getLive(client, PVC_REF, t.namespace, t.name, job.signal);
        pvName = ((pvc?.spec as { volumeName?: string } | undefined)?.volumeName ?? '') as string;
        return Boolean(pvName) && (pvc?.status as { phase?: string } | undefined)?.phase === 'Bound';
      },
      timeout,
      job.signal,
    );
  }
  let pv: KubeObject | undefined;
  await waitFor(`PersistentVolume ${pvName}`, async () => Boolean((pv = await getLive(client, PV_REF, undefined, pvName, job.signal))), timeout, job.signal);
  const where = locatePersistentVolume(pv as unknown as PersistentVolume, ctx.target.pathMap);
  if ('reason' in where) throw new Error(`PersistentVolume ${pvName}: ${where.reason}`);
  return where.dir;
}

/** Restores each volume action; one failing does not stop the others. */
export async function applyVolumes(job: JobContext, ctx: ApplyContext, actions: VolumeAction[]): Promise<ApplyResult> {
  const bytesTotal = actions.reduce((n, a) => n + (a.verb === 'restore' ? (a.bytes ?? 0) : 0), 0);
  let bytesBefore = 0;
  job.progress({ phase: 'starting', bytesDone: 0, itemsDone: 0, bytesTotal: bytesTotal || undefined, itemsTotal: actions.length });
  const policy = ctx.options.existingPolicy ?? 'skip';
  const items = await applyEach(job, actions, async (a, item): Promise<ItemResult> => {
    if (a.refused || !a.target) throw new Error(a.refused ?? 'no target');
    job.progress({ phase: `finding ${describeVolumeTarget(a.target)}` });
    const dir = await resolveDir(job, ctx, a.target);
    if (hasEntries(dir, fs)) {
      if (policy === 'skip') return { ...item, outcome: 'skipped', reason: `${dir} already holds data (${mention('existingPolicy', 'skip')})` };
      if (policy === 'recreate') for (const e of fs.readdirSync(dir)) fs.rmSync(path.join(dir, e), { recursive: true, force: true });
    }
    job.progress({ phase: `restoring ${a.title}` });
    const r = await restoreSnapshot(ctx.repo, ctx.snapshot, dir, {
      include: a.from,
      stripInclude: true,
      verify: true,
      signal: job.signal,
      onProgress: (p) => job.progress({ bytesDone: bytesBefore + p.bytesDone }),
    });
    bytesBefore += r.bytes;
    if (r.errors.length) return { ...item, outcome: 'failed', reason: `${r.errors.length} entries not restored into ${dir}: ${r.errors.slice(0, 3).join('; ')}` };
    return { ...item, outcome: 'restored', reason: `${r.files} files (${r.verified ?? 0} read back and matching by SHA-256), ${r.dirs} folders, ${r.symlinks} links into ${dir}` };
  });
  return { items };
}
