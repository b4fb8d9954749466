// The container-images source: every image the cluster's pod templates and the Docker engine's
// containers use, plus the config's `images` and the tags of the registries' listed
// repositories, copied into an OCI image layout under /images. An image found in a configured
// registry is copied from there (its digests kept); one only the engine has, from the engine.
import type Docker from 'dockerode';
import type { LifeboatConfig, RegistryConfig } from '../../config/schema.ts';
import type { JobContext } from '../../jobs/runner.ts';
import { SNAPSHOT_PATHS, type SnapshotSink } from '../sink.ts';
import type { BackupSource, CapturedItem, ItemFilter, SkippedItem, SourceResult } from '../types.ts';
import { errorLine } from '../../errors.ts';
import { copyFromEngine, inspectEngineImage, type CopiedImage, type CopyProgress, type EngineImage } from './engine.ts';
import { ANNOTATIONS, LayoutWriter, blobPath } from './layout.ts';
import { canonicalName, parseReference, type ImageReference } from './reference.ts';
import { RegistryClient, copyFromRegistry, resolveRegistryImage, type RegistryImage } from './registry.ts';
import { imageId } from '../item-ids.ts';

export interface ImagesSourceOptions {
  /** Registries, extra `images`. */
  config: Pick<LifeboatConfig, 'registries' | 'images'>;
  /** The Docker engine (`dockerClient(host)`); without it, registries only. */
  docker?: Docker;
  /** How the engine was named, for messages (`unix:///var/run/docker.sock`). */
  dockerHost?: string;
  /** Image references of the cluster's pod templates (the Kubernetes source gathers them). */
  podImages?: string[] | (() => Promise<string[]>);
  /** Only the images whose ids (`image:<canonical ref>`) pass (default all). */
  only?: ItemFilter;
}

/** Why an image is wanted: `pod`, `container:<name>`, `config`, `registry:<host>/<repo>`. */
interface Wanted {
  ref: ImageReference;
  key: string;
  origins: string[];
  /** For a container: the image id it runs, which may differ from what its name now points at. */
  engineId?: string;
}

interface Plan {
  wanted: Wanted;
  engine?: EngineImage;
  registry?: { client: RegistryClient; image: RegistryImage };
  /** Where it was looked for and what each said, for the warning when it is nowhere. */
  looked: string[];
}

export const IMAGES_ROOT = SNAPSHOT_PATHS.images;

/** The configured registry serving a reference's host, if any. */
function registryFor(clients: RegistryClient[], ref: ImageReference): RegistryClient | undefined {
  return ref.id ? undefined : clients.find((c) => c.host === ref.domain);
}

async function gatherReferences(opts: ImagesSourceOptions, ctx: JobContext, clients: RegistryClient[]): Promise<{ wanted: Wanted[]; skipped: SkippedItem[] }> {
  const byKey = new Map<string, Wanted>();
  const skipped: SkippedItem[] = [];
  const add = (raw: string, origin: string, engineId?: string) => {
    let ref: ImageReference;
    try {
      ref = parseReference(raw);
    } catch (e) {
      ctx.warn(`image '${raw}' (${origin}): ${errorLine(e)}`);
      skipped.push({ id: imageId(raw), reason: errorLine(e) });
      return;
    }
    const key = canonicalName(ref);
    if (opts.only && !opts.only(imageId(key))) return;
    const w = byKey.get(key) ?? { ref, key, origins: [] };
    if (!w.origins.includes(origin)) w.origins.push(origin);
    if (engineId && !w.engineId) w.engineId = engineId;
    byKey.set(key, w);
  };
  const pods = typeof opts.podImages === 'function' ? await opts.podImages() : (opts.podImages ?? []);
  for (const img of pods) add(img, 'pod');
  if (opts.docker) {
    try {
      const containers = await opts.docker.listContainers({ all: true });
      for (const c of containers) {
        const name = (c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, '');
        add(c.Image, `container:${name}`, c.ImageID);
      }
    } catch (e) {
      ctx.warn(`could not list the containers of the Docker engine ${opts.dockerHost ?? ''}: ${errorLine(e)}`.replace('  ', ' '));
    }
  }
  for (const img of opts.config.images ?? []) add(img, 'config');
  for (const client of clients) {
    for (const repo of client.config.repositories ?? []) {
      try {
        const tags = await client.tags(repo);
        if (!tags.length) ctx.warn(`registry ${client.host} has no tags in repository ${repo}`);
        for (const tag of tags) add(`${client.host}/${repo}:${tag}`, `registry:${client.host}/${repo}`);
      } catch (e) {
        ctx.warn(`could not list the tags of ${client.host}/${repo}: ${errorLine(e)}`);
      }
    }
  }
  return { wanted: [...byKey.values()], skipped };
}

async function resolve(w: Wanted, opts: ImagesSourceOptions, clients: RegistryClient[]): Promise<Plan> {
  const plan: Plan = { wanted: w, looked: [] };
  const client = registryFor(clients, w.ref);
  if (client) {
    try {
      const image = await resolveRegistryImage(client, w.ref);
      if (image) plan.registry = { client, image };
      else plan.looked.push(`registry ${client.host}: not found`);
    } catch (e) {
      plan.looked.push(`registry ${client.host}: ${errorLine(e)}`);
    }
  } else if (!w.ref.id) {
    plan.looked.push(`registry ${w.ref.domain}: not configured`);
  }
  if (opts.docker) {
    try {
      let engine = await inspectEngineImage(opts.docker, w.ref.original);
      // a container runs the image it was created from, even if the tag has moved on since
      if (w.engineId && engine?.id !== w.engineId) engine = (await inspectEngineImage(opts.docker, w.engineId)) ?? engine;
      if (engine) plan.engine = engine;
      else plan.looked.push(`Docker engine ${opts.dockerHost ?? ''}: not found`.replace(' :', ':'));
    } catch (e) {
      plan.looked.push(`Docker engine ${opts.dockerHost ?? ''}: ${errorLine(e)}`.replace(' :', ':'));
    }
  } else {
    plan.looked.push('Docker engine: none configured');
  }
  return plan;
}

/** The images source as a backup job. */
export function imagesSource(opts: ImagesSourceOptions): BackupSource {
  return {
    kind: 'images',
    title: 'Container images',
    run: (ctx, sink) => backupImages(opts, ctx, sink),
  };
}

export async function backupImages(opts: ImagesSourceOptions, ctx: JobContext, sink: SnapshotSink): Promise<SourceResult> {
  const retry = <T>(fn: (attempt: number) => Promise<T>) => ctx.retry(fn);
  const clients = (opts.config.registries ?? []).map((r: RegistryConfig) => new RegistryClient(r, retry, ctx.signal));
  try {
    ctx.progress({ phase: 'listing images' });
    const { wanted, skipped } = await gatherReferences(opts, ctx, clients);

    ctx.progress({ phase: 'resolving images', itemsDone: 0, itemsTotal: wanted.length });
    const plans: Plan[] = [];
    for (const w of wanted) {
      ctx.signal.throwIfAborted();
      plans.push(await resolve(w, opts, clients));
    }

    // totals: what each image holds, each image id counted once
    const counted = new Set<string>();
    let bytesTotal = 0;
    let itemsTotal = 0;
    for (const p of plans) {
      const key = p.registry ? p.registry.image.digest : p.engine?.id;
      if (!key || counted.has(key)) continue;
      counted.add(key);
      bytesTotal += p.registry ? p.registry.image.size : p.engine!.size;
      itemsTotal += p.registry ? p.registry.image.manifest.layers.length : p.engine!.diffIds.length;
    }
    let bytesDone = 0;
    let itemsDone = 0;
    const report = () => ctx.progress({ bytesDone, bytesTotal: Math.max(bytesTotal, bytesDone), itemsDone, itemsTotal });
    const progress: CopyProgress = {
      bytes: (n) => ((bytesDone += n), report()),
      layer: () => (itemsDone++, report()),
    };
    ctx.progress({ phase: 'copying images', bytesDone, bytesTotal, itemsDone, itemsTotal });

    const layout = new LayoutWriter(sink, IMAGES_ROOT, ctx.signal);
    const captured: CapturedItem[] = [];
    const copies = new Map<string, CopiedImage>();
    let total = 0;
    for (const p of plans) {
      ctx.signal.throwIfAborted();
      const id = imageId(p.wanted.key);
      const origins = p.wanted.origins.join(',');
      if (!p.registry && !p.engine) {
        const reason = `not found: looked in ${p.looked.join('; ')}`;
        ctx.warn(`image ${p.wanted.ref.original} (${origins}) ${reason}`);
        skipped.push({ id, reason });
        continue;
      }
      const from = p.registry ? 'registry' : 'engine';
      const copyKey = p.registry ? `registry:${p.registry.image.digest}` : `engine:${p.engine!.id}`;
      try {
        let copy = copies.get(copyKey);
        if (copy) {
          const annotations: Record<string, string> = { [ANNOTATIONS.refName]: p.wanted.key, [ANNOTATIONS.source]: from };
          if (p.registry?.image.indexDigest) annotations[ANNOTATIONS.indexDigest] = p.registry.image.indexDigest;
          layout.addIndexEntry({ ...copy.manifest, annotations });
        } else {
          copy = p.registry
            ? await copyFromRegistry(p.registry.client, p.registry.image, layout, { refName: p.wanted.key, progress })
            : await copyFromEngine(opts.docker!, p.engine!, layout, { refName: p.wanted.key, progress, signal: ctx.signal });
          copies.set(copyKey, copy);
        }
        const details: Record<string, string | number | boolean> = {
          reference: p.wanted.ref.original,
          digest: copy.manifest.digest,
          configDigest: copy.configDigest,
          mediaType: copy.manifest.mediaType,
          from,
          inRegistry: !!p.registry,
          inEngine: !!p.engine,
          layers: copy.layers,
          usedBy: origins,
        };
        if (p.registry) details.registry = p.registry.client.host;
        if (p.engine) details.imageId = p.engine.id;
        // an engine image pulled from a registry remembers where from, even an unconfigured one
        if (p.engine?.repoDigests.length) details.repoDigest = p.engine.repoDigests[0]!;
        captured.push({ id, path: `${IMAGES_ROOT}/${blobPath(copy.manifest.digest)}`, bytes: copy.size, items: copy.layers, details });
        total += copy.size;
      } catch (e) {
        if (ctx.signal.aborted) throw e;
        const reason = `copy from the ${from === 'registry' ? `registry ${p.registry!.client.host}` : 'Docker engine'} failed: ${errorLine(e)}`;
        ctx.warn(`image ${p.wanted.ref.original}: ${reason}`);
        skipped.push({ id, reason });
      }
    }
    ctx.progress({ phase: 'writing the image index' });
    await layout.finish();
    report();
    return {
      captured,
      skipped,
      bytes: total,
      items: captured.length,
      details: { blobBytes: layout.bytesWritten, images: captured.length, layout: IMAGES_ROOT },
    };
  } finally {
    for (const c of clients) c.close();
  }
}
