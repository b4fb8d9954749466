// Image references as Docker and Kubernetes write them: `busybox`, `nginx:1.25`,
// `registry.example.com:5000/team/app@sha256:...`, or an engine's image id (`sha256:<hex>`).
// Parsed the way distribution/reference does, with Docker Hub's defaults.

export const DOCKER_HUB = 'docker.io';
const HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

export interface ImageReference {
  /** As it was written. */
  original: string;
  /** Registry host (and port), `docker.io` by default. */
  domain: string;
  /** Repository path in the registry, `library/busybox` for `busybox`. */
  path: string;
  tag?: string;
  /** `sha256:<hex>` when the reference pins a digest. */
  digest?: string;
  /** Set when the reference is an engine's image id rather than a name. */
  id?: string;
}

const ID = /^(sha256:)?([a-f0-9]{64})$/;
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const PATH = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

export class ReferenceError extends Error {}

/** Parses an image reference; throws ReferenceError on what no registry would accept. */
export function parseReference(ref: string): ImageReference {
  const original = ref.trim();
  const id = ID.exec(original);
  if (id) return { original, domain: '', path: '', id: `sha256:${id[2]}` };
  let rest = original;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new ReferenceError(`'${original}' has an invalid digest '${digest}'`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new ReferenceError(`'${original}' has an invalid tag '${tag}'`);
  }
  let domain = DOCKER_HUB;
  let path = rest;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase()) {
      domain = first;
      path = rest.slice(slash + 1);
    }
  }
  if (HUB_ALIASES.has(domain)) domain = DOCKER_HUB;
  if (domain === DOCKER_HUB && !path.includes('/')) path = `library/${path}`;
  if (!PATH.test(path)) throw new ReferenceError(`'${original}' is not a valid image reference`);
  if (!tag && !digest) tag = 'latest';
  return { original, domain, path, tag, digest };
}

/** The fully qualified form: `docker.io/library/busybox:latest`, `sha256:<hex>` for an id. */
export function canonicalName(ref: ImageReference): string {
  if (ref.id) return ref.id;
  return `${ref.domain}/${ref.path}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** The short form Docker prints (`busybox:latest`, `team/app:1`), without the digest. */
export function familiarName(ref: ImageReference, withTag = true): string {
  if (ref.id) return ref.id;
  let name = `${ref.domain}/${ref.path}`;
  if (ref.domain === DOCKER_HUB) name = ref.path.startsWith('library/') ? ref.path.slice('library/'.length) : ref.path;
  return withTag && ref.tag ? `${name}:${ref.tag}` : name;
}

/** The host a registry's URL names, with Docker Hub's aliases folded into `docker.io`. */
export function registryHost(url: string): string {
  const host = new URL(/^[a-z]+:\/\//i.test(url) ? url : `https://${url}`).host;
  return HUB_ALIASES.has(host) ? DOCKER_HUB : host;
}
