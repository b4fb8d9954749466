// Images from a Docker engine: `docker save` (dockerode's image.get()) parsed as it streams,
// each layer tar written into the layout under its digest (the diff id), the config as is, and
// an OCI manifest made for them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { readAll, readTar } from './tar.ts';
import { ANNOTATIONS, HashingStream, LayoutWriter, MEDIA, hashOnly, sha256, type Descriptor, type ImageManifest } from './layout.ts';

export interface EngineImage {
  /** `sha256:<hex>`, the config's digest. */
  id: string;
  repoTags: string[];
  repoDigests: string[];
  /** The layers' diff ids, bottom first. */
  diffIds: string[];
  size: number;
  platform: { architecture: string; os: string; variant?: string };
}

/** Looks an image up in the engine by name or id; undefined when the engine does not have it. */
export async function inspectEngineImage(docker: Docker, ref: string): Promise<EngineImage | undefined> {
  try {
    const info = await docker.getImage(ref).inspect();
    const variant = (info as { Variant?: string }).Variant;
    return {
      id: info.Id,
      repoTags: info.RepoTags ?? [],
      repoDigests: info.RepoDigests ?? [],
      diffIds: info.RootFS?.Layers ?? [],
      size: info.Size,
      platform: { architecture: info.Architecture, os: info.Os, ...(variant ? { variant } : {}) },
    };
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return undefined;
    throw e;
  }
}

export interface CopyProgress {
  /** Bytes read from the source so far (in this copy). */
  bytes(n: number): void;
  /** One more layer done. */
  layer(): void;
}

export interface CopiedImage {
  manifest: Descriptor;
  configDigest: string;
  layers: number;
  /** Bytes of config and layers (what the image occupies, shared blobs included). */
  size: number;
}

interface SaveManifestEntry {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
}

/** A layer tar whose digest is not known before it has been read: spooled to a temporary file. */
async function spool(body: AsyncIterable<Uint8Array>, onChunk: (n: number) => void, signal?: AbortSignal) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-layer-'));
  const file = path.join(dir, 'layer.tar');
  const hashing = new HashingStream(body, onChunk);
  const out = fs.createWriteStream(file);
  try {
    for await (const part of hashing) {
      signal?.throwIfAborted();
      if (!out.write(part)) await new Promise<void>((resolve) => out.once('drain', resolve));
    }
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  } catch (e) {
    out.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return { digest: hashing.digest(), size: hashing.size, file, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Copies one engine image into the layout and adds its manifest to index.json under `refName`.
 * Layers already in the layout are read through and checked, not written again; of the new
 * layers, the last one still unidentified streams straight in (its digest is the only one left),
 * the others are spooled to a temporary file first, because docker save names them by v1 ids.
 */
export async function copyFromEngine(
  docker: Docker,
  image: EngineImage,
  layout: LayoutWriter,
  opts: { refName: string; progress?: CopyProgress; signal?: AbortSignal; annotations?: Record<string, string> },
): Promise<CopiedImage> {
  const signal = opts.signal;
  const onChunk = (n: number) => opts.progress?.bytes(n);
  const expected = new Set(image.diffIds);
  const seen = new Set<string>();
  const digestOf = new Map<string, { digest: string; size: number }>();
  const links = new Map<string, string>();
  let config: Buffer | undefined;
  let saveManifest: SaveManifestEntry[] | undefined;

  const raw = (await docker.getImage(image.id).get()) as NodeJS.ReadableStream & { destroy?(e?: Error): void };
  const onAbort = () => raw.destroy?.(signal?.reason as Error);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const entry of readTar(raw as AsyncIterable<Uint8Array>)) {
      signal?.throwIfAborted();
      const name = entry.name;
      if (entry.type === 'symlink' || entry.type === 'link') {
        const target = entry.type === 'symlink' ? path.posix.normalize(path.posix.join(path.posix.dirname(name), entry.linkname)) : entry.linkname;
        links.set(name, target);
        continue;
      }
      if (entry.type !== 'file') continue;
      const blob = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(name);
      if (name === 'manifest.json') {
        saveManifest = JSON.parse((await readAll(entry.body)).toString('utf8')) as SaveManifestEntry[];
      } else if (name === `${image.id.slice('sha256:'.length)}.json` || name === `blobs/sha256/${image.id.slice('sha256:'.length)}`) {
        config = await readAll(entry.body);
        await layout.addBytes(config, image.id);
        digestOf.set(name, { digest: image.id, size: config.length });
      } else if (blob) {
        // the OCI-style save of newer engines names every blob by its digest
        const digest = `sha256:${blob[1]}`;
        const size = await layout.addStream(digest, entry.body, onChunk);
        digestOf.set(name, { digest, size });
        if (expected.has(digest)) (seen.add(digest), opts.progress?.layer());
      } else if (name.endsWith('/layer.tar')) {
        const left = [...expected].filter((d) => !seen.has(d));
        let result: { digest: string; size: number };
        if (left.length === 1 || left.every((d) => layout.has(d))) {
          if (left.length === 1) {
            result = { digest: left[0]!, size: await layout.addStream(left[0]!, entry.body, onChunk) };
          } else {
            const hashing = new HashingStream(entry.body, onChunk);
            await hashOnly(hashing);
            result = { digest: hashing.digest(), size: hashing.size };
          }
        } else {
          const spooled = await spool(entry.body, onChunk, signal);
          try {
            if (!expected.has(spooled.digest)) throw new Error(`docker save of ${image.id} holds a layer ${spooled.digest} its config does not list`);
            if (!layout.has(spooled.digest)) await layout.addVerified(spooled.digest, spooled.size, fs.createReadStream(spooled.file));
          } finally {
            spooled.remove();
          }
          result = { digest: spooled.digest, size: spooled.size };
        }
        seen.add(result.digest);
        digestOf.set(name, result);
        opts.progress?.layer();
      } else {
        for await (const _ of entry.body); // VERSION, v1 json, repositories, index.json, oci-layout
      }
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  signal?.throwIfAborted();

  const entry = saveManifest?.[0];
  if (!entry || !config) throw new Error(`docker save of ${image.id} has no ${entry ? 'config' : 'manifest.json'}`);
  const resolve = (p: string) => {
    for (let i = 0; i < 10 && links.has(p); i++) p = links.get(p)!;
    const found = digestOf.get(p);
    if (!found) throw new Error(`docker save of ${image.id} names ${p}, which it does not hold`);
    return found;
  };
  const layers: Descriptor[] = entry.Layers.map((p) => {
    const { digest, size } = resolve(p);
    return { mediaType: MEDIA.ociLayerTar, digest, size };
  });
  const got = layers.map((l) => l.digest).join(',');
  if (got !== image.diffIds.join(',')) throw new Error(`docker save of ${image.id} holds layers ${got}, its config lists ${image.diffIds.join(',')}`);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MEDIA.ociManifest,
    config: { mediaType: MEDIA.ociConfig, digest: sha256(config), size: config.length },
    layers,
  };
  const descriptor = await layout.addImage(Buffer.from(JSON.stringify(manifest)), {
    mediaType: MEDIA.ociManifest,
    platform: image.platform,
    annotations: { [ANNOTATIONS.refName]: opts.refName, [ANNOTATIONS.source]: 'engine', ...opts.annotations },
  });
  return { manifest: descriptor, configDigest: image.id, layers: layers.length, size: config.length + layers.reduce((n, l) => n + l.size, 0) };
}
