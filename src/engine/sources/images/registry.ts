// Images from a registry through the OCI distribution API: manifests (OCI and Docker v2, and
// their multi-platform indexes), then config and layer blobs streamed into the layout. Basic
// and bearer-token auth through the 401 WWW-Authenticate dance; skip-TLS-verify per registry;
// 429 and 5xx answers retried through the job's retry.
import fs from 'node:fs';
import http from 'node:http';
import { DeadlineError, requestDeadlineMs } from '../../deadline.ts';
import https from 'node:https';
import type { RegistryConfig } from '../../config/schema.ts';
import { RetryableHttpError, parseRetryAfter } from '../../jobs/retry.ts';
import { readAll } from './tar.ts';
import { ANNOTATIONS, LayoutWriter, MEDIA, sha256, type Descriptor, type ImageIndex, type ImageManifest } from './layout.ts';
import { registryHost, type ImageReference } from './reference.ts';
import type { CopiedImage, CopyProgress } from './engine.ts';

const MANIFEST_ACCEPT = [MEDIA.ociManifest, MEDIA.ociIndex, MEDIA.dockerManifest, MEDIA.dockerManifestList].join(', ');
const INDEX_TYPES = new Set<string>([MEDIA.ociIndex, MEDIA.dockerManifestList]);

export type Retry = <T>(fn: (attempt: number) => Promise<T>) => Promise<T>;

export class RegistryError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

function parseChallenge(header: string | undefined): Challenge | undefined {
  if (!header) return undefined;
  const m = /^(\w+)\s*(.*)$/.exec(header.trim());
  if (!m) return undefined;
  const params: Record<string, string> = {};
  for (const p of m[2]!.matchAll(/(\w+)="([^"]*)"/g)) params[p[1]!.toLowerCase()] = p[2]!;
  return { scheme: m[1]!.toLowerCase(), params };
}

const NODE_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

/** The platform this process runs on, in OCI's words. */
export function hostPlatform(): { os: string; architecture: string } {
  return { os: 'linux', architecture: NODE_ARCH[process.arch] ?? process.arch };
}

export interface RegistryImage {
  ref: ImageReference;
  /** The manifest as the registry served it (its digest is the image's). */
  bytes: Buffer;
  mediaType: string;
  digest: string;
  manifest: ImageManifest;
  /** The multi-platform index the manifest was picked from, if any. */
  indexDigest?: string;
  /** Config and layers, in bytes. */
  size: number;
}

export class RegistryClient {
  readonly host: string;
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly tokens = new Map<string, string>();
  private readonly basic?: string;
  private useBasic = false;

  constructor(
    readonly config: RegistryConfig,
    private readonly retry: Retry,
    private readonly signal?: AbortSignal,
  ) {
    this.base = new URL(/^[a-z]+:\/\//i.test(config.url) ? config.url : `https://${config.url}`);
    this.host = registryHost(config.url);
    this.agent =
      this.base.protocol === 'https:'
        ? new https.Agent({ keepAlive: true, rejectUnauthorized: !config.insecureSkipTLSVerify })
        : new http.Agent({ keepAlive: true });
    if (config.username) {
      const password = config.passwordFile ? fs.readFileSync(config.passwordFile, 'utf8').replace(/\r?\n$/, '') : '';
      this.basic = 'Basic ' + Buffer.from(`${config.username}:${password}`).toString('base64');
    }
  }

  close(): void {
    this.agent.destroy();
  }

  private send(url: URL, headers: Record<string, string>, method = 'GET', redirects = 5): Promise<http.IncomingMessage> {
    const mod = url.protocol === 'https:' ? https : http;
    const sameOrigin = url.origin === this.base.origin;
    return new Promise((resolve, reject) => {
      const req = mod.request(url, { method, headers, agent: sameOrigin || this.config.insecureSkipTLSVerify ? this.agent : undefined, signal: this.signal }, (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400 && res.headers.location && redirects > 0) {
          res.resume();
          const next = new URL(res.headers.location, url);
          const h = { ...headers };
          if (next.origin !== url.origin) delete h.authorization; // a blob store has its own signature
          this.send(next, h, method, redirects - 1).then(resolve, reject);
          return;
        }
        resolve(res);
      });
      // An idle deadline: a blob that keeps flowing is not cut; a registry that never answers is.
      const ms = requestDeadlineMs();
      req.setTimeout(ms, () => req.destroy(new DeadlineError(`registry ${method} ${url.host}${url.pathname}`, ms)));
      req.on('error', reject);
      req.end();
    });
  }

  private async token(challenge: Challenge, fallbackScope: string): Promise<string> {
    const realm = challenge.params.realm;
    if (!realm) throw new RegistryError(`${this.host} asked for a bearer token without naming a realm`);
    const url = new URL(realm);
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
    url.searchParams.set('scope', challenge.params.scope ?? fallbackScope);
    const res = await this.send(url, this.basic ? { authorization: this.basic } : {});
    const body = await readAll(res);
    if (res.statusCode === 429 || (res.statusCode ?? 0) >= 500) {
      throw new RetryableHttpError(res.statusCode!, `token service ${url.host}: HTTP ${res.statusCode}`, parseRetryAfter(res.headers['retry-after'] as string | undefined));
    }
    if (res.statusCode !== 200) {
      throw new RegistryError(`token service ${url.host} refused ${this.basic ? `user ${this.config.username}` : 'anonymous access'}: HTTP ${res.statusCode}`, res.statusCode);
    }
    const json = JSON.parse(body.toString('utf8')) as { token?: string; access_token?: string };
    const token = json.token ?? json.access_token;
    if (!token) throw new RegistryError(`token service ${url.host} answered without a token`);
    return `Bearer ${token}`;
  }

  /**
   * A GET (or HEAD) against the registry with auth, redirects and retries; resolves with the
   * answer when it is 2xx or 404 (the body still to read), throws otherwise.
   */
  async request(apiPath: string, repository: string, headers: Record<string, string> = {}, method = 'GET'): Promise<http.IncomingMessage> {
    const url = new URL(apiPath, this.base);
    const scope = `repository:${repository}:pull`;
    return this.retry(async () => {
      for (let round = 0; ; round++) {
        const auth = this.tokens.get(scope) ?? (this.useBasic ? this.basic : undefined);
        const res = await this.send(url, { ...headers, ...(auth ? { authorization: auth } : {}) }, method);
        const status = res.statusCode ?? 0;
        if (status === 401 && round === 0) {
          res.resume();
          const challenge = parseChallenge(res.headers['www-authenticate'] as string | undefined);
          if (challenge?.scheme === 'bearer') this.tokens.set(scope, await this.token(challenge, scope));
          else if (challenge?.scheme === 'basic' && this.basic) this.useBasic = true;
          else throw new RegistryError(`${this.host} needs credentials (${challenge?.scheme ?? 'no challenge'}); set username and passwordFile for it`, 401);
          continue;
        }
        if ((status >= 200 && status < 300) || status === 404) return res;
        const text = (await readAll(res)).toString('utf8').slice(0, 200).trim();
        const message = `${this.host}${url.pathname}: HTTP ${status}${text ? ` ${text}` : ''}`;
        if (status === 429 || status >= 500) throw new RetryableHttpError(status, message, parseRetryAfter(res.headers['retry-after'] as string | undefined));
        throw new RegistryError(message, status);
      }
    });
  }

  /** A manifest or index by tag or digest; undefined when the registry does not have it. */
  async manifest(repository: string, reference: string): Promise<{ bytes: Buffer; mediaType: string; digest: string } | undefined> {
    const res = await this.request(`/v2/${repository}/manifests/${reference}`, repository, { accept: MANIFEST_ACCEPT });
    const bytes = await readAll(res);
    if (res.statusCode === 404) return undefined;
    const digest = sha256(bytes);
    if (reference.includes(':') && reference !== digest) throw new RegistryError(`${this.host}/${repository}@${reference} was served as ${digest}`);
    const parsed = JSON.parse(bytes.toString('utf8')) as { schemaVersion?: number; mediaType?: string };
    if (parsed.schemaVersion !== 2) throw new RegistryError(`${this.host}/${repository}:${reference} has a schema ${parsed.schemaVersion} manifest, which lifeboat does not copy`);
    const mediaType = parsed.mediaType ?? String(res.headers['content-type'] ?? MEDIA.ociManifest).split(';')[0]!;
    return { bytes, mediaType, digest };
  }

  /** A blob's bytes as they arrive. */
  async blob(repository: string, digest: string): Promise<http.IncomingMessage> {
    const res = await this.request(`/v2/${repository}/blobs/${digest}`, repository);
    if (res.statusCode === 404) {
      res.resume();
      throw new RegistryError(`${this.host}/${repository} has no blob ${digest}`, 404);
    }
    return res;
  }

  /** Every tag of a repository, following the Link header's pages. */
  async tags(repository: string): Promise<string[]> {
    const out: string[] = [];
    let next: string | undefined = `/v2/${repository}/tags/list?n=1000`;
    while (next) {
      const res = await this.request(next, repository);
      const body = await readAll(res);
      if (res.statusCode === 404) break;
      out.push(...((JSON.parse(body.toString('utf8')) as { tags?: string[] | null }).tags ?? []));
      const link = /<([^>]+)>\s*;\s*rel="?next"?/.exec(String(res.headers.link ?? ''));
      next = link?.[1];
    }
    return out;
  }
}

/**
 * Finds an image in the registry: its manifest (for a multi-platform index, the manifest of this
 * host's platform), config and layer sizes. Undefined when the registry does not have it.
 */
export async function resolveRegistryImage(client: RegistryClient, ref: ImageReference): Promise<RegistryImage | undefined> {
  let found = await client.manifest(ref.path, ref.digest ?? ref.tag ?? 'latest');
  if (!found) return undefined;
  let indexDigest: string | undefined;
  if (INDEX_TYPES.has(found.mediaType)) {
    const index = JSON.parse(found.bytes.toString('utf8')) as ImageIndex;
    const want = hostPlatform();
    const pick =
      index.manifests.find((m) => m.platform?.os === want.os && m.platform?.architecture === want.architecture) ??
      (index.manifests.length === 1 ? index.manifests[0] : undefined);
    if (!pick) throw new RegistryError(`${client.host}/${ref.path} has no manifest for ${want.os}/${want.architecture}`);
    indexDigest = found.digest;
    found = await client.manifest(ref.path, pick.digest);
    if (!found) throw new RegistryError(`${client.host}/${ref.path} lists ${pick.digest} in its index but does not have it`);
  }
  const manifest = JSON.parse(found.bytes.toString('utf8')) as ImageManifest;
  const size = manifest.config.size + manifest.layers.reduce((n, l) => n + l.size, 0);
  return { ref, ...found, manifest, indexDigest, size };
}

/** Copies a resolved registry image (config, layers, manifest) into the layout. */
export async function copyFromRegistry(
  client: RegistryClient,
  image: RegistryImage,
  layout: LayoutWriter,
  opts: { refName: string; progress?: CopyProgress; annotations?: Record<string, string> },
): Promise<CopiedImage> {
  const repo = image.ref.path;
  const { config, layers } = image.manifest;
  const configBytes = await readAll(await client.blob(repo, config.digest));
  await layout.addBytes(configBytes, config.digest);
  const cfg = JSON.parse(configBytes.toString('utf8')) as { architecture?: string; os?: string; variant?: string };
  opts.progress?.bytes(configBytes.length);
  for (const layer of layers as Descriptor[]) {
    if (layout.has(layer.digest)) opts.progress?.bytes(layer.size);
    else await layout.addStream(layer.digest, await client.blob(repo, layer.digest), (n) => opts.progress?.bytes(n));
    opts.progress?.layer();
  }
  const platform = cfg.architecture && cfg.os ? { architecture: cfg.architecture, os: cfg.os, ...(cfg.variant ? { variant: cfg.variant } : {}) } : undefined;
  const annotations: Record<string, string> = { [ANNOTATIONS.refName]: opts.refName, [ANNOTATIONS.source]: 'registry', ...opts.annotations };
  if (image.indexDigest) annotations[ANNOTATIONS.indexDigest] = image.indexDigest;
  const manifest = await layout.addImage(image.bytes, { mediaType: image.mediaType, platform, annotations });
  return { manifest, configDigest: config.digest, layers: layers.length, size: image.size };
}
