// The way back: the OCI layout of a snapshot turned into the archive `docker load` reads
// (manifest.json naming each image's config and layer blobs), streamed to the engine.
import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { writeTar, readAll, type TarInput } from './tar.ts';
import { ANNOTATIONS, blobPath, MEDIA, type Descriptor, type ImageIndex, type ImageManifest } from './layout.ts';
import { familiarName, parseReference } from './reference.ts';

/** Reads files of a stored layout, by paths relative to its root (`index.json`, `blobs/sha256/...`). */
export interface LayoutReader {
  readFile(path: string): Promise<Uint8Array>;
  /** Streams a (large) file; readFile is used when absent. */
  readStream?(path: string): AsyncIterable<Uint8Array>;
}

export interface LayoutImage {
  /** The reference the image was stored under (its ref.name annotation). */
  refName: string;
  descriptor: Descriptor;
  manifest: ImageManifest;
}

const json = async <T>(reader: LayoutReader, path: string): Promise<T> => JSON.parse(Buffer.from(await reader.readFile(path)).toString('utf8')) as T;

/** The images a layout holds, optionally only those stored under the given references. */
export async function listLayoutImages(reader: LayoutReader, refs?: string[]): Promise<LayoutImage[]> {
  const index = await json<ImageIndex>(reader, 'index.json');
  const wanted = refs && new Set(refs);
  const out: LayoutImage[] = [];
  for (const descriptor of index.manifests) {
    const refName = descriptor.annotations?.[ANNOTATIONS.refName] ?? '';
    if (wanted && !wanted.has(refName)) continue;
    if (descriptor.mediaType === MEDIA.ociIndex || descriptor.mediaType === MEDIA.dockerManifestList) continue;
    out.push({ refName, descriptor, manifest: await json<ImageManifest>(reader, blobPath(descriptor.digest)) });
  }
  return out;
}

/** The `Name:tag` docker load tags an image with, or none for an id or a digest-only reference. */
function repoTag(refName: string): string | undefined {
  try {
    const ref = parseReference(refName);
    return ref.id || !ref.tag ? undefined : familiarName(ref);
  } catch {
    return undefined;
  }
}

/** The docker-save archive of the layout's images (all, or those stored under `refs`). */
export async function* dockerLoadArchive(reader: LayoutReader, opts: { refs?: string[] } = {}): AsyncGenerator<Uint8Array> {
  const images = await listLayoutImages(reader, opts.refs);
  const manifest = images.map((img) => ({
    Config: blobPath(img.manifest.config.digest),
    RepoTags: [repoTag(img.refName)].filter((t): t is string => !!t),
    Layers: img.manifest.layers.map((l) => blobPath(l.digest)),
  }));
  const blobs = new Map<string, number>();
  for (const img of images) for (const d of [img.manifest.config, ...img.manifest.layers]) blobs.set(blobPath(d.digest), d.size);
  async function* entries(): AsyncGenerator<TarInput> {
    const text = Buffer.from(JSON.stringify(manifest));
    yield { name: 'manifest.json', size: text.length, body: text };
    for (const [path, size] of blobs) {
      yield { name: path, size, body: reader.readStream ? reader.readStream(path) : await reader.readFile(path) };
    }
  }
  yield* writeTar(entries());
}

/**
 * Loads the layout's images into a Docker engine (`docker load`); resolves with what the
 * engine reports loaded (`Loaded image: busybox:1`, `Loaded image ID: sha256:...`).
 */
export async function loadImagesFromLayout(reader: LayoutReader, docker: Docker, opts: { refs?: string[]; signal?: AbortSignal } = {}): Promise<string[]> {
  const archive = Readable.from(dockerLoadArchive(reader, opts), { objectMode: false });
  const res = (await docker.loadImage(archive, { quiet: true, abortSignal: opts.signal } as object)) as NodeJS.ReadableStream;
  const out = (await readAll(res as AsyncIterable<Uint8Array>)).toString('utf8');
  const loaded: string[] = [];
  for (const line of out.split('\n').filter(Boolean)) {
    let msg: { stream?: string; error?: string; errorDetail?: { message?: string } };
    try {
      msg = JSON.parse(line);
    } catch {
      continue;
    }
    if (msg.error || msg.errorDetail) throw new Error(`docker load: ${msg.errorDetail?.message ?? msg.error}`);
    const m = /^Loaded image(?: ID)?: (.+)$/.exec((msg.stream ?? '').trim());
    if (m) loaded.push(m[1]!);
  }
  return loaded;
}
