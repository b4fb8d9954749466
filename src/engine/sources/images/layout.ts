// The OCI image layout lifeboat writes under /images of a snapshot: `oci-layout`, `index.json`
// (one manifest per image, named by its `org.opencontainers.image.ref.name` annotation) and
// `blobs/sha256/<hex>`, each blob written once however many images share it.
import crypto from 'node:crypto';
import { SNAPSHOT_PATHS, type SnapshotSink } from '../sink.ts';

export const MEDIA = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayerTar: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
} as const;

/** Annotations of each image's entry in index.json. */
export const ANNOTATIONS = {
  refName: 'org.opencontainers.image.ref.name',
  /** Where lifeboat took the image from: `engine` or `registry`. */
  source: 'dev.lifeboat.image.source',
  /** The multi-platform index the manifest was chosen from, when there was one. */
  indexDigest: 'dev.lifeboat.image.index-digest',
} as const;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { architecture: string; os: string; variant?: string };
  annotations?: Record<string, string>;
  urls?: string[];
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export const sha256 = (data: Uint8Array | string) => `sha256:${crypto.createHash('sha256').update(data).digest('hex')}`;

/** Path of a blob relative to the layout's root. */
export function blobPath(digest: string): string {
  const [algorithm, hex] = digest.split(':');
  if (algorithm !== 'sha256' || !hex || !/^[a-f0-9]{64}$/.test(hex)) throw new Error(`unsupported digest '${digest}'`);
  return `blobs/sha256/${hex}`;
}

/** Hashes (and counts) what flows through it; `digest()` once the stream is drained. */
export class HashingStream implements AsyncIterable<Uint8Array> {
  private hash = crypto.createHash('sha256');
  size = 0;
  constructor(
    private readonly source: AsyncIterable<Uint8Array>,
    private readonly onChunk?: (n: number) => void,
  ) {}
  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for await (const part of this.source) {
      this.hash.update(part);
      this.size += part.length;
      this.onChunk?.(part.length);
      yield part;
    }
  }
  digest(): string {
    return `sha256:${this.hash.digest('hex')}`;
  }
}

/** Drains a stream, for its digest and size only. */
export async function hashOnly(stream: HashingStream): Promise<void> {
  for await (const _ of stream);
}

export class DigestMismatchError extends Error {}

export class LayoutWriter {
  private readonly stored = new Map<string, number>();
  readonly manifests: Descriptor[] = [];
  /** Bytes of blobs written (each blob once). */
  bytesWritten = 0;

  constructor(
    private readonly sink: SnapshotSink,
    readonly root: string = SNAPSHOT_PATHS.images,
    private readonly signal?: AbortSignal,
  ) {}

  has(digest: string): boolean {
    return this.stored.has(digest);
  }

  path(digest: string): string {
    return `${this.root}/${blobPath(digest)}`;
  }

  /** Stores small content (a config, a manifest) and returns its digest and size. */
  async addBytes(data: Uint8Array, expected?: string): Promise<{ digest: string; size: number }> {
    const digest = sha256(data);
    if (expected && expected !== digest) throw new DigestMismatchError(`content is ${digest}, expected ${expected}`);
    if (!this.stored.has(digest)) {
      await this.sink.addFile(this.path(digest), data);
      this.stored.set(digest, data.length);
      this.bytesWritten += data.length;
    }
    return { digest, size: data.length };
  }

  /**
   * Streams a blob whose digest is known in advance into the layout, checking it on the way.
   * A blob already stored is only read through (and still checked).
   */
  async addStream(digest: string, stream: AsyncIterable<Uint8Array>, onChunk?: (n: number) => void): Promise<number> {
    const hashing = new HashingStream(stream, onChunk);
    if (this.stored.has(digest)) {
      await hashOnly(hashing);
    } else {
      await this.sink.addStream(this.path(digest), hashing, { signal: this.signal });
    }
    const got = hashing.digest();
    if (got !== digest) throw new DigestMismatchError(`blob ${digest} read as ${got} (${hashing.size} bytes)`);
    if (!this.stored.has(digest)) {
      this.stored.set(digest, hashing.size);
      this.bytesWritten += hashing.size;
    }
    return hashing.size;
  }

  /** Stores a blob already checked against its digest (from a spool file); it must not be stored yet. */
  async addVerified(digest: string, size: number, stream: AsyncIterable<Uint8Array>): Promise<void> {
    if (this.stored.has(digest)) throw new Error(`blob ${digest} is already in the layout`);
    await this.sink.addStream(this.path(digest), stream, { signal: this.signal });
    this.stored.set(digest, size);
    this.bytesWritten += size;
  }

  /** Adds an image's manifest (stored as given, so its digest holds) to index.json. */
  async addImage(manifest: Uint8Array, entry: Omit<Descriptor, 'digest' | 'size'>): Promise<Descriptor> {
    const { digest, size } = await this.addBytes(manifest);
    const descriptor: Descriptor = { mediaType: entry.mediaType, digest, size, ...(entry.platform ? { platform: entry.platform } : {}) };
    if (entry.annotations) descriptor.annotations = entry.annotations;
    this.manifests.push(descriptor);
    return descriptor;
  }

  /** Names an image already in the layout once more (the same manifest under another reference). */
  addIndexEntry(descriptor: Descriptor): void {
    if (!this.stored.has(descriptor.digest)) throw new Error(`manifest ${descriptor.digest} is not in the layout`);
    this.manifests.push(descriptor);
  }

  /** Writes `oci-layout` and `index.json`; call once every image is in. */
  async finish(): Promise<void> {
    await this.sink.addFile(`${this.root}/oci-layout`, JSON.stringify({ imageLayoutVersion: '1.0.0' }) + '\n');
    const index: ImageIndex = { schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: this.manifests };
    await this.sink.addFile(`${this.root}/index.json`, JSON.stringify(index, null, 2) + '\n');
  }
}
