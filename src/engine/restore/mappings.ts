// The mappings a restore applies: namespaces (clone `shop` as `shop-staging`), storage classes
// (another cluster's), and image registries (a mirror). Each rewrite is noted in words.
import { mention } from '../mentions.ts';

export interface Mappings {
  namespaces: Record<string, string>;
  storageClasses: Record<string, string>;
  registries: Record<string, string>;
}

/** `a=b` pairs (repeated or comma-separated) into a map; a malformed one throws, naming the flag. */
export function parseMapping(values: string[] | undefined, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of (values ?? []).flatMap((x) => x.split(',')).map((s) => s.trim()).filter(Boolean)) {
    const i = v.indexOf('=');
    const from = v.slice(0, i).trim();
    const to = v.slice(i + 1).trim();
    if (i <= 0 || !to) throw new Error(`${flag} takes old=new, got '${v}'`);
    if (out[from] !== undefined && out[from] !== to) throw new Error(`${flag} maps '${from}' twice (to '${out[from]}' and '${to}')`);
    out[from] = to;
  }
  return out;
}

export function mapNamespace(m: Mappings, ns: string): string;
export function mapNamespace(m: Mappings, ns: string | undefined): string | undefined;
export function mapNamespace(m: Mappings, ns: string | undefined): string | undefined {
  return ns === undefined ? undefined : (m.namespaces[ns] ?? ns);
}

/**
 * An image reference with its registry mapped: `old/x:1` becomes `new/x:1` when `old` is a
 * mapped registry host or host/path prefix (the longest one wins).
 */
export function mapImage(m: Mappings, image: string): string {
  let best: string | undefined;
  for (const from of Object.keys(m.registries)) {
    const f = from.replace(/\/+$/, '');
    if (image.startsWith(`${f}/`) && (!best || f.length > best.length)) best = f;
  }
  return best === undefined ? image : `${m.registries[best]!.replace(/\/+$/, '')}${image.slice(best.length)}`;
}

type Container = { image?: string; name?: string };
type PodSpec = { containers?: Container[]; initContainers?: Container[]; ephemeralContainers?: Container[] };

/** The pod specs an object holds: a Pod's own, a workload's template, a CronJob's job template. */
export function podSpecsOf(kind: string | undefined, obj: Record<string, unknown>): PodSpec[] {
  const spec = obj.spec as Record<string, any> | undefined;
  if (!spec) return [];
  if (kind === 'Pod') return [spec as PodSpec];
  if (kind === 'CronJob') return spec.jobTemplate?.spec?.template?.spec ? [spec.jobTemplate.spec.template.spec] : [];
  return spec.template?.spec ? [spec.template.spec] : [];
}

/** Rewrites the images of an object's pod specs; returns what changed, one line each. */
export function mapImages(m: Mappings, kind: string | undefined, obj: Record<string, unknown>): string[] {
  const changes: string[] = [];
  if (!Object.keys(m.registries).length) return changes;
  for (const spec of podSpecsOf(kind, obj)) {
    for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])]) {
      if (!c.image) continue;
      const mapped = mapImage(m, c.image);
      if (mapped !== c.image) {
        changes.push(`image of container ${c.name}: ${c.image} -> ${mapped} (${mention('registryMap')})`);
        c.image = mapped;
      }
    }
  }
  return changes;
}
