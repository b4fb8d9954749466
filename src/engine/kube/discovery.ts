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
}

interface ApiResourceList {
  groupVersion: string;
  resources: { name: string; kind: string; namespaced: boolean; verbs: string[] }[];
}
interface ApiGroupList {
  groups: { name: string; versions: { groupVersion: string; version: string }[]; preferredVersion?: { groupVersion: string; version: string } }[];
}

/** `deployments.apps`, `configmaps`: how resources are named in filters (kubectl's habit). */
export function resourceName(r: Pick<ApiResource, 'resource' | 'group'>): string {
  return r.group ? `${r.resource}.${r.group}` : r.resource;
}

/** The path of a resource's collection, optionally in a namespace. */
export function collectionPath(r: Pick<ApiResource, 'group' | 'groupVersion' | 'resource'>, namespace?: string): string {
  const base = r.group ? `/apis/${r.groupVersion}` : `/api/${r.groupVersion}`;
  return namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${r.resource}` : `${base}/${r.resource}`;
}

/**
 * Every resource of every group and version the server serves (CRDs included), without
 * subresources. With `allVersions` false, only each group's preferred version.
 */
export async function discoverResources(client: KubeClient, opts: { allVersions?: boolean; signal?: AbortSignal } = {}): Promise<ApiResource[]> {
  const core = await client.get<{ versions: string[] }>('/api', opts);
  const groups = await client.get<ApiGroupList>('/apis', opts);
  const targets: { group: string; version: string; groupVersion: string; preferred: boolean; path: string }[] = [];
  for (const v of core.versions) targets.push({ group: '', version: v, groupVersion: v, preferred: v === core.versions[0], path: `/api/${v}` });
  for (const g of groups.groups) {
    const preferred = g.preferredVersion?.version ?? g.versions[0]?.version;
    for (const v of g.versions) {
      if (!opts.allVersions && v.version !== preferred) continue;
      targets.push({ group: g.name, version: v.version, groupVersion: v.groupVersion, preferred: v.version === preferred, path: `/apis/${v.groupVersion}` });
    }
  }
  const lists = await Promise.all(targets.map((t) => client.get<ApiResourceList>(t.path, opts).then((l) => ({ t, l }))));
  const out: ApiResource[] = [];
  for (const { t, l } of lists) {
    for (const r of l.resources ?? []) {
      if (r.name.includes('/')) continue;
      out.push({ group: t.group, version: t.version, groupVersion: t.groupVersion, resource: r.name, kind: r.kind, namespaced: r.namespaced, verbs: r.verbs ?? [], preferred: t.preferred });
    }
  }
  return out;
}
