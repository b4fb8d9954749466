// Images: the snapshot's OCI layout loaded into the Docker engine (docker load), and images of a
// mapped registry (--registry-map) pushed to the new one from the engine with skopeo.
import { execFile } from 'node:child_process';
import type { JobContext } from '../../jobs/runner.ts';
import { NotFoundError } from '../../repository/errors.ts';
import { findPath, listPath, readFile } from '../../repository/reader.ts';
import type { Node } from '../../repository/tree.ts';
import { SNAPSHOT_PATHS } from '../sink.ts';
import { inspectEngineImage } from './engine.ts';
import { listLayoutImages, loadImagesFromLayout, type LayoutImage, type LayoutReader } from './load.ts';
import { canonicalName, familiarName, parseReference, registryHost } from './reference.ts';
import { errorLine } from '../../errors.ts';
import type { ApplyContext } from '../../restore/apply-context.ts';
import { mapImage } from '../../restore/mappings.ts';
import { imagesOfObjects } from '../../restore/objects-plan.ts';
import type { SourcePlanContext } from '../../restore/plan.ts';
import { readWhole } from '../../restore/snapshot-objects.ts';
import type { ApplyResult, ImageAction, ItemResult, RestoreTarget } from '../../restore/types.ts';
import type { Repository } from '../../repository/repository.ts';
import type { SnapshotInfo } from '../../repository/snapshot.ts';
import { imageId } from '../item-ids.ts';
import { mention } from '../../mentions.ts';

/** The snapshot's /images as a LayoutReader; undefined when the snapshot holds no images. */
export async function snapshotLayout(repo: Repository, snap: SnapshotInfo, onBytes?: (n: number) => void): Promise<LayoutReader | undefined> {
  const nodes = new Map<string, Node>();
  try {
    for (const e of await listPath(repo, snap, SNAPSHOT_PATHS.images)) if (e.node.type === 'file') nodes.set(e.node.name, e.node);
    for (const e of await listPath(repo, snap, `${SNAPSHOT_PATHS.images}/blobs/sha256`)) nodes.set(`blobs/sha256/${e.node.name}`, e.node);
  } catch (e) {
    if (e instanceof NotFoundError) return undefined;
    throw e;
  }
  if (!nodes.has('index.json')) return undefined;
  const node = async (p: string) => nodes.get(p) ?? (await findPath(repo, snap, `${SNAPSHOT_PATHS.images}/${p}`)).node;
  return {
    readFile: async (p) => readWhole(repo, await node(p)),
    async *readStream(p) {
      for await (const b of readFile(repo, await node(p))) {
        onBytes?.(b.length);
        yield b;
      }
    },
  };
}

const imageSize = (img: LayoutImage) => img.manifest.config.size + img.manifest.layers.reduce((n, l) => n + l.size, 0);

export async function planImages(ctx: SourcePlanContext): Promise<ImageAction[]> {
  const reader = await snapshotLayout(ctx.repo, ctx.snapshot);
  if (!reader) return [];
  let images = await listLayoutImages(reader);
  if (ctx.narrowed) {
    const restoredIds = new Set(ctx.objectActions.map((a) => a.id));
    const used = new Set(
      [...imagesOfObjects(ctx.snapshotObjects.filter((o) => restoredIds.has(o.id)))].flatMap((i) => {
        try {
          return [canonicalName(parseReference(i))];
        } catch {
          return [];
        }
      }),
    );
    images = images.filter((img) => used.has(img.refName));
  }
  const docker = ctx.target.docker;
  const out: ImageAction[] = [];
  for (const img of images) {
    const mapped = mapImage(ctx.mappings, img.refName);
    const pushTo = mapped !== img.refName ? mapped : undefined;
    const base = { source: 'images' as const, id: imageId(img.refName), title: `image ${img.refName}`, ref: img.refName, bytes: imageSize(img), warnings: [] as string[], ...(pushTo ? { pushTo } : {}) };
    if (!docker) {
      out.push({ ...base, verb: 'skip', reason: 'no Docker engine to load it into: configure docker.host' });
      continue;
    }
    const have = await inspectEngineImage(docker, img.refName.startsWith('sha256:') ? img.refName : familiarName(parseReference(img.refName))).catch(() => undefined);
    const loaded = have?.id === img.manifest.config.digest;
    if (loaded && !pushTo) out.push({ ...base, verb: 'skip', reason: 'the Docker engine has this very image already' });
    else if (loaded) out.push({ ...base, verb: 'push', reason: `in the engine already; pushed to ${pushTo} (${mention('registryMap')})` });
    else out.push({ ...base, verb: pushTo ? 'load+push' : 'load', reason: `docker load into the engine${have ? ' (replacing the tag, which names another image there)' : ''}${pushTo ? `, then pushed to ${pushTo} (${mention('registryMap')})` : ''}` });
  }
  return out;
}

/** Whether skopeo should skip TLS verification for pushes to `image`'s registry. */
function insecure(target: RestoreTarget, image: string): boolean {
  const host = parseReference(image).domain;
  const reg = (target.registries ?? []).find((r) => registryHost(r.url) === host);
  if (reg) return Boolean(reg.insecureSkipTLSVerify) || reg.url.startsWith('http://');
  return /^(127\.|localhost(:|$))/.test(host);
}

function skopeoPush(target: RestoreTarget, from: string, to: string, signal: AbortSignal): Promise<void> {
  const args = ['copy', '--quiet'];
  if (target.dockerHost) args.push('--src-daemon-host', target.dockerHost);
  if (insecure(target, to)) args.push('--dest-tls-verify=false');
  args.push(`docker-daemon:${from}`, `docker://${to}`);
  return new Promise((resolve, reject) =>
    execFile('skopeo', args, { signal, maxBuffer: 4 * 1024 * 1024 }, (err, _out, stderr) => (err ? reject(new Error(`skopeo: ${stderr.trim().split('\n').at(-1) || errorLine(err)}`)) : resolve())),
  );
}

export async function applyImages(job: JobContext, ctx: ApplyContext, actions: ImageAction[]): Promise<ApplyResult> {
  const items: ItemResult[] = [];
  const toLoad = actions.filter((a) => a.verb === 'load' || a.verb === 'load+push');
  let bytes = 0;
  job.progress({ phase: 'loading', bytesDone: 0, bytesTotal: toLoad.reduce((n, a) => n + (a.bytes ?? 0), 0) || undefined, itemsDone: 0, itemsTotal: actions.length });
  const failed = new Map<string, string>();
  if (toLoad.length) {
    const reader = (await snapshotLayout(ctx.repo, ctx.snapshot, (n) => job.progress({ bytesDone: (bytes += n) })))!;
    try {
      await job.retry(() => loadImagesFromLayout(reader, ctx.target.docker!, { refs: toLoad.map((a) => a.ref), signal: job.signal }), { attempts: 2 });
    } catch (e) {
      if (job.signal.aborted) throw e;
      for (const a of toLoad) failed.set(a.id, `docker load: ${errorLine(e)}`);
    }
  }
  for (const a of actions) {
    const item = { id: a.id, title: a.title };
    if (a.verb === 'skip') {
      items.push({ ...item, outcome: 'skipped', reason: a.reason });
      continue;
    }
    if (failed.has(a.id)) {
      items.push({ ...item, outcome: 'failed', reason: failed.get(a.id) });
      continue;
    }
    if (a.pushTo) {
      job.progress({ phase: `pushing ${a.pushTo}` });
      try {
        await job.retry(() => skopeoPush(ctx.target, familiarName(parseReference(a.ref)), a.pushTo!, job.signal), { attempts: 3 });
      } catch (e) {
        if (job.signal.aborted) throw e;
        items.push({ ...item, outcome: 'failed', reason: `push to ${a.pushTo}: ${errorLine(e)}` });
        continue;
      }
    }
    items.push({ ...item, outcome: 'restored', reason: [a.verb !== 'push' ? 'loaded into the Docker engine' : '', a.pushTo ? `pushed to ${a.pushTo}` : ''].filter(Boolean).join(', ') });
    job.progress({ itemsDone: items.length });
  }
  return { items };
}
