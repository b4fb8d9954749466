/**
 * The resources the server knows: the built-in ones read from the discovery documents, plus the
 * ones CustomResourceDefinitions add at run time. Also answers the discovery paths.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DISCOVERY_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'discovery');

export interface ApiResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  storageVersionHash?: string;
  group?: string;
  version?: string;
}

/** One served resource at one group/version. */
export interface ResourceInfo {
  group: string;
  version: string;
  /** "v1" or "apps/v1". */
  groupVersion: string;
  /** Plural, e.g. "deployments". */
  resource: string;
  kind: string;
  namespaced: boolean;
  verbs: Set<string>;
  subresources: Set<string>;
  /** etcd key prefix without trailing slash, e.g. "/registry/deployments". */
  prefix: string;
  /** Set for resources a CustomResourceDefinition serves. */
  custom: boolean;
}

interface GroupEntry {
  name: string;
  versions: { groupVersion: string; version: string }[];
  preferredVersion: { groupVersion: string; version: string };
}

/**
 * kube-apiserver keeps built-in resources at /registry/<resource>, without the group, and a few
 * under older names (SpecialDefaultResourcePrefixes in pkg/kubeapiserver). The aggregator and the
 * apiextensions server, and custom resources, use /registry/<group>/<resource>.
 */
const SPECIAL_PREFIXES: Record<string, string> = {
  '/replicationcontrollers': 'controllers',
  '/endpoints': 'services/endpoints',
  '/nodes': 'minions',
  '/services': 'services/specs',
  'extensions/ingresses': 'ingress',
  'networking.k8s.io/ingresses': 'ingress',
  'policy/podsecuritypolicies': 'podsecuritypolicy',
};
const GROUP_QUALIFIED = new Set(['apiextensions.k8s.io', 'apiregistration.k8s.io']);

export function storagePrefix(group: string, resource: string, custom: boolean): string {
  if (custom || GROUP_QUALIFIED.has(group)) return `/registry/${group}/${resource}`;
  return `/registry/${SPECIAL_PREFIXES[`${group}/${resource}`] ?? resource}`;
}

function readJson(file: string): { text: string; json: any } | undefined {
  const full = path.join(DISCOVERY_DIR, file);
  if (!fs.existsSync(full)) return undefined;
  const text = fs.readFileSync(full, 'utf8');
  return { text, json: JSON.parse(text) };
}

export interface AggregatedVersion {
  group: string;
  version: string;
  groupPriority: number;
  versionPriority: number;
}

export interface CustomVersion {
  group: string;
  version: string;
  resources: ApiResource[];
}

export class Registry {
  /** Raw documents by URL path, served byte for byte. */
  private readonly builtinDocs = new Map<string, string>();
  private readonly builtinGroups: GroupEntry[];
  private readonly builtinLists = new Map<string, ApiResource[]>();
  /** Custom group/versions by CRD name. */
  private readonly custom = new Map<string, CustomVersion[]>();
  /** Group/versions of APIServices backed by a Service (aggregated API servers), by APIService name. */
  private readonly aggregated = new Map<string, AggregatedVersion>();
  private byPath = new Map<string, ResourceInfo>();
  /** Bumped on every change, for OpenAPI hashes and caches. */
  generation = 0;

  constructor() {
    for (const file of fs.readdirSync(DISCOVERY_DIR).filter((f) => f.endsWith('.json'))) {
      const doc = readJson(file)!;
      const urlPath = '/' + file.replace(/\.json$/, '').split('__').join('/');
      this.builtinDocs.set(urlPath, doc.text);
      if (doc.json.kind === 'APIResourceList') this.builtinLists.set(doc.json.groupVersion, doc.json.resources);
    }
    this.builtinGroups = JSON.parse(this.builtinDocs.get('/apis')!).groups;
    this.rebuild();
  }

  private rebuild(): void {
    const map = new Map<string, ResourceInfo>();
    const add = (group: string, version: string, list: ApiResource[], custom: boolean) => {
      const groupVersion = group ? `${group}/${version}` : version;
      for (const r of list) {
        if (r.name.includes('/')) continue;
        const subresources = new Set(list.filter((s) => s.name.startsWith(`${r.name}/`)).map((s) => s.name.slice(r.name.length + 1)));
        map.set(`${groupVersion}/${r.name}`, {
          group,
          version,
          groupVersion,
          resource: r.name,
          kind: r.kind,
          namespaced: r.namespaced,
          verbs: new Set(r.verbs),
          subresources,
          prefix: storagePrefix(group, r.name, custom),
          custom,
        });
      }
    };
    for (const [gv, list] of this.builtinLists) {
      const [group, version] = gv.includes('/') ? gv.split('/') : ['', gv];
      add(group, version, list, false);
    }
    for (const versions of this.custom.values()) for (const v of versions) add(v.group, v.version, v.resources, true);
    this.byPath = map;
    this.generation++;
  }

  /** The resource at `groupVersion` ("v1", "apps/v1") named `resource`, if served. */
  lookup(groupVersion: string, resource: string): ResourceInfo | undefined {
    return this.byPath.get(`${groupVersion}/${resource}`);
  }

  /** Every served resource (one entry per group/version). */
  all(): ResourceInfo[] {
    return [...this.byPath.values()];
  }

  /** One ResourceInfo per stored resource (the preferred version of each group). */
  storedResources(): ResourceInfo[] {
    const seen = new Map<string, ResourceInfo>();
    for (const r of this.byPath.values()) {
      const preferred = this.preferredVersion(r.group);
      const cur = seen.get(r.prefix);
      if (!cur || (r.version === preferred && cur.version !== preferred)) seen.set(r.prefix, r);
    }
    return [...seen.values()];
  }

  /** The served resource of `group` with `kind`, preferring the group's preferred version. */
  byKind(group: string, kind: string): ResourceInfo | undefined {
    const candidates = this.all().filter((r) => r.group === group && r.kind === kind);
    const preferred = this.preferredVersion(group);
    return candidates.find((r) => r.version === preferred) ?? candidates[0];
  }

  /** The resource of an object's apiVersion and kind (another version of its group if need be). */
  forObject(apiVersion: string, kind: string): ResourceInfo | undefined {
    const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
    return this.all().find((r) => r.groupVersion === apiVersion && r.kind === kind) ?? this.byKind(group, kind);
  }

  private preferredVersion(group: string): string | undefined {
    if (!group) return 'v1';
    return this.groups().find((g) => g.name === group)?.preferredVersion.version;
  }

  setCustom(crdName: string, versions: CustomVersion[]): void {
    this.custom.set(crdName, versions);
    this.rebuild();
  }

  removeCustom(crdName: string): void {
    if (this.custom.delete(crdName)) this.rebuild();
  }

  setAggregated(apiServiceName: string, v: AggregatedVersion): void {
    this.aggregated.set(apiServiceName, v);
    this.generation++;
  }

  removeAggregated(apiServiceName: string): void {
    if (this.aggregated.delete(apiServiceName)) this.generation++;
  }

  /** Whether group/version is served by an aggregated API server (and by nothing here). */
  isAggregated(group: string, version: string): boolean {
    const gv = `${group}/${version}`;
    if (this.builtinLists.has(gv)) return false;
    if ([...this.custom.values()].flat().some((v) => v.group === group && v.version === version)) return false;
    return [...this.aggregated.values()].some((v) => v.group === group && v.version === version);
  }

  private groups(): GroupEntry[] {
    const groups = [...this.builtinGroups];
    const customGroups = new Map<string, GroupEntry>();
    for (const versions of this.custom.values()) {
      for (const v of versions) {
        if (groups.some((g) => g.name === v.group)) continue;
        const entry = customGroups.get(v.group) ?? { name: v.group, versions: [], preferredVersion: { groupVersion: '', version: '' } };
        if (!entry.versions.some((x) => x.version === v.version)) entry.versions.push({ groupVersion: `${v.group}/${v.version}`, version: v.version });
        customGroups.set(v.group, entry);
      }
    }
    for (const entry of customGroups.values()) {
      entry.versions.sort((a, b) => compareKubeVersions(a.version, b.version));
      entry.preferredVersion = entry.versions[0];
      groups.push(entry);
    }
    // Aggregated group/versions, ordered by the APIServices' priorities as the aggregator orders them.
    const aggregatedGroups = new Map<string, { entry: GroupEntry; priority: number; order: Map<string, number> }>();
    for (const v of this.aggregated.values()) {
      if (groups.some((g) => g.name === v.group)) continue;
      const g = aggregatedGroups.get(v.group) ?? { entry: { name: v.group, versions: [] as GroupEntry['versions'], preferredVersion: { groupVersion: '', version: '' } }, priority: 0, order: new Map<string, number>() };
      if (!g.entry.versions.some((x) => x.version === v.version)) g.entry.versions.push({ groupVersion: `${v.group}/${v.version}`, version: v.version });
      g.priority = Math.max(g.priority, v.groupPriority);
      g.order.set(v.version, v.versionPriority);
      aggregatedGroups.set(v.group, g);
    }
    for (const g of [...aggregatedGroups.values()].sort((a, b) => b.priority - a.priority || a.entry.name.localeCompare(b.entry.name))) {
      g.entry.versions.sort((a, b) => (g.order.get(b.version) ?? 0) - (g.order.get(a.version) ?? 0) || compareKubeVersions(a.version, b.version));
      g.entry.preferredVersion = g.entry.versions[0];
      groups.push(g.entry);
    }
    return groups;
  }

  /** The group/versions served, as "v1" and "apps/v1". */
  groupVersions(): string[] {
    return ['v1', ...this.groups().flatMap((g) => g.versions.map((v) => v.groupVersion))];
  }

  /**
   * The discovery document at `urlPath` (/api, /api/v1, /apis, /apis/G, /apis/G/V) as JSON text,
   * or undefined when there is none.
   */
  discovery(urlPath: string): string | undefined {
    const p = urlPath.replace(/\/+$/, '');
    if ((this.custom.size === 0 && this.aggregated.size === 0) || p === '/api' || p.startsWith('/api/')) {
      const builtin = this.builtinDocs.get(p);
      if (builtin) return builtin;
    }
    if (p === '/apis') return JSON.stringify({ kind: 'APIGroupList', apiVersion: 'v1', groups: this.groups() });
    const m = /^\/apis\/([^/]+)(?:\/([^/]+))?$/.exec(p);
    if (!m) return undefined;
    const [, group, version] = m;
    if (!version) {
      const builtin = this.builtinDocs.get(p);
      if (builtin) return builtin;
      const entry = this.groups().find((g) => g.name === group);
      return entry ? JSON.stringify({ apiVersion: 'v1', kind: 'APIGroup', ...entry }) : undefined;
    }
    const builtin = this.builtinDocs.get(p);
    if (builtin) return builtin;
    const resources = [...this.custom.values()].flat().filter((v) => v.group === group && v.version === version).flatMap((v) => v.resources);
    if (resources.length === 0) return undefined;
    return JSON.stringify({ kind: 'APIResourceList', apiVersion: 'v1', groupVersion: `${group}/${version}`, resources });
  }

  /** Resource lists per group/version, for the OpenAPI documents. */
  resourceLists(): Map<string, ApiResource[]> {
    const lists = new Map(this.builtinLists);
    for (const versions of this.custom.values()) {
      for (const v of versions) {
        const gv = `${v.group}/${v.version}`;
        lists.set(gv, [...(lists.get(gv) ?? []), ...v.resources]);
      }
    }
    return lists;
  }
}

/** Kubernetes version priority: GA > beta > alpha, higher numbers first (as kube-apiserver sorts). */
export function compareKubeVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [0, 0, 0] as const;
    return [m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1, Number(m[1]), Number(m[3] ?? 0)] as const;
  };
  const [pa, pb] = [parse(a), parse(b)];
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pb[i] - pa[i];
  return a.localeCompare(b);
}
