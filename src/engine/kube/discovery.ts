import type { KubeClient } from './client.ts';

/** One listable resource of one group/version, as discovery describes it. */
export interface ApiResource {
  group: string; // '' for the core group
  version: string;
  /** 'v1' or 'apps/v1'. */
  groupVersion: string;
  /** Plural name, e.g. 'deployments'. */
  resource: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
  /** True when this is the group's preferred version. */
  preferred: boolean;
  /** The group's preferred version (the one kubectl shows). */
  preferredVersion?: string;
  /** kubectl's short names (`deploy`, `cm`) and the singular name, when discovery gives them. */
  shortNames?: string[];
  singularName?: string;
}

/** A group version whose resource list could not be read. */
export interface DiscoveryFailure {
  groupVersion: string;
  error: string;
  /** Served by another server through an APIService (metrics, custom metrics): its objects are not stored in this cluster. */
  aggregated: boolean;
}

export interface Discovery {
  resources: ApiResource[];
  failures: DiscoveryFailure[];
}

interface ApiResourceList {
  groupVersion: string;
  resources: { name: string; singularName?: string; shortNames?: string[]; kind: string; namespaced: boolean; verbs: string[] }[];
}
interface ApiGroupList {
  groups: { name: string; versions: { groupVersion: string; version: string }[]; preferredVersion?: { groupVersion: string; version: string } }[];
}

/** `deployments.apps`, `configmaps`: how resources are named in filters (kubectl's habit). */
export function resourceName(r: Pick<ApiResource, 'resource' | 'group'>): string {
  return r.group ? `${r.resource}.${r.group}` : r.resource;
}

/**
 * Whether `name`, as kubectl takes it, names this resource: its plural, singular or short name,
 * or its kind, in any case, optionally qualified by its group or version.group
 * (`deployments.apps`, `Deployment`, `deploy`, `deployments.v1.apps`).
 */
export function namesResource(
  r: Pick<ApiResource, 'group' | 'resource' | 'kind'> & Partial<Pick<ApiResource, 'version' | 'shortNames' | 'singularName'>>,
  name: string,
): boolean {
  const lower = name.toLowerCase();
  const dot = lower.indexOf('.');
  const base = dot < 0 ? lower : lower.slice(0, dot);
  const qualifier = dot < 0 ? undefined : lower.slice(dot + 1);
  if (qualifier !== undefined && qualifier !== r.group.toLowerCase() && qualifier !== `${r.version}.${r.group}`.toLowerCase()) return false;
  return (
    base === r.resource ||
    base === r.kind.toLowerCase() ||
    base === r.singularName ||
    `${base}s` === r.resource ||
    (r.shortNames ?? []).includes(base)
  );
}

/** The path of a resource's collection, optionally in a namespace. */
export function collectionPath(r: Pick<ApiResource, 'group' | 'groupVersion' | 'resource'>, namespace?: string): string {
  const base = r.group ? `/apis/${r.groupVersion}` : `/api/${r.groupVersion}`;
  return namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${r.resource}` : `${base}/${r.resource}`;
}

const KUBE_VERSION = /^v(\d+)(?:(alpha|beta)(\d+))?$/;

/**
 * Kubernetes' order of versions (apimachinery's CompareKubeAwareVersionStrings), newest and most
 * stable first: GA by number, then beta, then alpha, then anything else by name.
 */
export function compareKubeVersions(a: string, b: string): number {
  const ma = KUBE_VERSION.exec(a);
  const mb = KUBE_VERSION.exec(b);
  if (!ma || !mb) return ma ? -1 : mb ? 1 : a.localeCompare(b);
  const rank = (m: RegExpExecArray) => (m[2] === undefined ? 2 : m[2] === 'beta' ? 1 : 0);
  return rank(mb) - rank(ma) || Number(mb[1]) - Number(ma[1]) || Number(mb[3] ?? 0) - Number(ma[3] ?? 0);
}

/**
 * Every resource of every group and version the server serves (CRDs included), without
 * subresources. By default each resource once: at its group's preferred version when served
 * there, else at the newest version that serves it (a kind served only in v1alpha1 of a group
 * that prefers v1 is still found, as kube-apiserver stores it). With `allVersions`, every version.
 * A group version whose list cannot be read is reported, not dropped in silence.
 */
export async function discover(client: KubeClient, opts: { allVersions?: boolean; signal?: AbortSignal } = {}): Promise<Discovery> {
  const core = await client.get<{ versions: string[] }>('/api', opts);
  const groups = await client.get<ApiGroupList>('/apis', opts);
  const targets: { group: string; version: string; groupVersion: string; preferred: boolean; preferredVersion?: string; path: string }[] = [];
  for (const v of core.versions) targets.push({ group: '', version: v, groupVersion: v, preferred: v === core.versions[0], preferredVersion: core.versions[0], path: `/api/${v}` });
  for (const g of groups.groups) {
    const preferred = g.preferredVersion?.version ?? g.versions[0]?.version;
    for (const v of g.versions) {
      targets.push({ group: g.name, version: v.version, groupVersion: v.groupVersion, preferred: v.version === preferred, preferredVersion: preferred, path: `/apis/${v.groupVersion}` });
    }
  }
  const failures: DiscoveryFailure[] = [];
  const lists = await Promise.all(
    targets.map((t) =>
      client.get<ApiResourceList>(t.path, opts).then(
        (l) => ({ t, l }),
        async (e: Error) => {
          if (opts.signal?.aborted) throw e;
          failures.push({ groupVersion: t.groupVersion, error: e.message.split('\n')[0]!, aggregated: await isAggregated(client, t, opts.signal) });
          return { t, l: undefined };
        },
      ),
    ),
  );
  const all: ApiResource[] = [];
  for (const { t, l } of lists) {
    for (const r of l?.resources ?? []) {
      if (r.name.includes('/')) continue;
      all.push({
        group: t.group,
        version: t.version,
        groupVersion: t.groupVersion,
        resource: r.name,
        kind: r.kind,
        namespaced: r.namespaced,
        verbs: r.verbs ?? [],
        preferred: t.preferred,
        preferredVersion: t.preferredVersion,
        ...(r.shortNames?.length ? { shortNames: r.shortNames } : {}),
        ...(r.singularName ? { singularName: r.singularName } : {}),
      });
    }
  }
  failures.sort((a, b) => a.groupVersion.localeCompare(b.groupVersion));
  return { resources: opts.allVersions ? all : oneVersionEach(all), failures };
}

/** The resources of `discover`, throwing when a group version of this cluster's own could not be read. */
export async function discoverResources(client: KubeClient, opts: { allVersions?: boolean; signal?: AbortSignal } = {}): Promise<ApiResource[]> {
  const d = await discover(client, opts);
  const own = d.failures.filter((f) => !f.aggregated);
  if (own.length) throw new Error(`could not read the resources of ${own.map((f) => `${f.groupVersion} (${f.error})`).join(', ')}`);
  return d.resources;
}

/** Each resource of each group once: the preferred version when it serves it, else the newest. */
function oneVersionEach(all: ApiResource[]): ApiResource[] {
  const best = new Map<string, ApiResource>();
  for (const r of all) {
    const key = resourceName(r);
    const had = best.get(key);
    if (!had || (r.preferred && !had.preferred) || (!had.preferred && !r.preferred && compareKubeVersions(r.version, had.version) < 0)) best.set(key, r);
  }
  return all.filter((r) => best.get(resourceName(r)) === r);
}

async function isAggregated(client: KubeClient, t: { group: string; version: string }, signal?: AbortSignal): Promise<boolean> {
  if (!t.group) return false;
  try {
    const api = await client.get<{ spec?: { service?: unknown } }>(`/apis/apiregistration.k8s.io/v1/apiservices/${t.version}.${t.group}`, { signal });
    return Boolean(api.spec?.service);
  } catch {
    return false;
  }
}
