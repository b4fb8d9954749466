/**
 * Field ownership as kube-apiserver tracks it (structured-merge-diff): metadata.managedFields
 * entries of field sets (FieldsV1), updated on every write, and server-side apply: the applied
 * configuration merged into the live object, fields the manager applied before and no longer
 * applies removed (unless another manager owns them), and 409 conflicts when it would change a
 * value another manager owns, unless forced (then it takes them over).
 *
 * Lists follow the schema: built-in kinds by k8s.io/api's list-map keys (containers by name,
 * ports by containerPort/port and protocol...), set lists (finalizers), and atomic lists
 * otherwise; custom resources by their CRD schema's x-kubernetes-list-type/-map-keys (atomic by
 * default) and x-kubernetes-map-type.
 */
import type { KubeObject } from './storage.ts';

const now = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

type Json = any;
const isObject = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What a schema says of a value at a path of field names. */
export type Shape = 'struct' | 'map' | 'atomic' | { list: 'atomic' | 'set' | 'map'; keys: string[] };
export type Schema = (names: string[], value: unknown) => Shape;

const LIST_KEYS: Record<string, string[]> = {
  containers: ['name'],
  initContainers: ['name'],
  ephemeralContainers: ['name'],
  volumes: ['name'],
  env: ['name'],
  imagePullSecrets: ['name'],
  resourceClaims: ['name'],
  schedulingGates: ['name'],
  volumeMounts: ['mountPath'],
  volumeDevices: ['devicePath'],
  hostAliases: ['ip'],
  conditions: ['type'],
  ownerReferences: ['uid'],
  topologySpreadConstraints: ['topologyKey', 'whenUnsatisfiable'],
  webhooks: ['name'],
  versions: ['name'],
};
const MAPS = new Set(['labels', 'annotations', 'data', 'binaryData', 'stringData', 'limits', 'requests', 'capacity', 'allocatable', 'hard', 'used', 'parameters']);
const ATOMIC = new Set(['selector', 'labelSelector', 'namespaceSelector', 'objectSelector', 'nodeSelector', 'matchLabels', 'openAPIV3Schema', 'x-kubernetes-preserve-unknown-fields']);

/** The shapes of the built-in kinds' fields. */
export const builtinSchema: Schema = (names, value) => {
  const last = names[names.length - 1] ?? '';
  if (Array.isArray(value)) {
    if (last === 'finalizers') return { list: 'set', keys: [] };
    if (last === 'ports') {
      const items = value.filter(isObject);
      if (items.some((i) => 'containerPort' in i)) return { list: 'map', keys: ['containerPort', 'protocol'] };
      if (items.some((i) => 'port' in i) && names.includes('spec') && !names.includes('ingress') && !names.includes('egress')) return { list: 'map', keys: ['port', 'protocol'] };
      return { list: 'atomic', keys: [] };
    }
    if (last === 'secrets' && names.length === 1) return { list: 'map', keys: ['name'] };
    if (last === 'versions' && names[0] !== 'spec') return { list: 'atomic', keys: [] };
    const keys = LIST_KEYS[last];
    return keys ? { list: 'map', keys } : { list: 'atomic', keys: [] };
  }
  if (!isObject(value)) return 'atomic';
  if (names.includes('openAPIV3Schema')) return 'atomic';
  if (ATOMIC.has(last)) return 'atomic';
  return MAPS.has(last) ? 'map' : 'struct';
};

/** The shapes of a custom resource's fields, from its CRD version's openAPIV3Schema. */
export function crdSchema(openAPIV3Schema: Json): Schema {
  return (names, value) => {
    let node: Json = openAPIV3Schema;
    for (const n of names) {
      if (!isObject(node)) break;
      if (node.type === 'array' || node.items) node = node.items;
      if (!isObject(node)) break;
      node = node.properties?.[n] ?? (isObject(node.additionalProperties) ? node.additionalProperties : node.additionalProperties === true ? {} : undefined);
    }
    if (Array.isArray(value)) {
      const type = node?.['x-kubernetes-list-type'];
      if (type === 'set') return { list: 'set', keys: [] };
      if (type === 'map') return { list: 'map', keys: node['x-kubernetes-list-map-keys'] ?? [] };
      return { list: 'atomic', keys: [] };
    }
    if (!isObject(value)) return 'atomic';
    if (names.length > 0 && node === undefined) return 'atomic';
    if (node?.['x-kubernetes-map-type'] === 'atomic') return 'atomic';
    if (names.length > 0 && node?.['x-kubernetes-preserve-unknown-fields'] && !node.properties) return 'map';
    return node?.additionalProperties !== undefined && !node.properties ? 'map' : 'struct';
  };
}

/** One element of a field path: a field, a list-map key, a set value or a list index. */
type Element = { f: string } | { k: Record<string, Json> } | { v: Json } | { i: number };
export interface Member {
  path: Element[];
  /** The value at the path (for leaves: what a conflict compares). */
  value: Json;
  leaf: boolean;
}

const keyOf = (path: Element[]) => JSON.stringify(path);

/** Fields a field set never has: the object's identity and server-set metadata. */
const IDENTITY = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink']);

function itemKey(item: Json, keys: string[]): Record<string, Json> | undefined {
  if (!isObject(item)) return undefined;
  const out: Record<string, Json> = {};
  for (const k of keys) {
    if (item[k] !== undefined) out[k] = item[k];
    else if (k === 'protocol') out[k] = 'TCP';
    else return undefined;
  }
  return out;
}

/**
 * The members of `object`'s field set: leaves (scalars, atomic values, empty objects) and list
 * items. `mapsAreMembers` marks maps themselves too (an Update's set, where a new map is added).
 */
export function fieldSet(object: KubeObject, schema: Schema, scope: 'main' | 'status', mapsAreMembers = false): Map<string, Member> {
  const out = new Map<string, Member>();
  const add = (path: Element[], value: Json, leaf: boolean) => out.set(keyOf(path), { path, value, leaf });
  const walk = (value: Json, path: Element[], names: string[]) => {
    const shape = schema(names, value);
    if (Array.isArray(value) && typeof shape === 'object') {
      if (shape.list === 'atomic') return add(path, value, true);
      for (const [i, item] of value.entries()) {
        if (shape.list === 'set') add([...path, { v: item }], item, true);
        else {
          const k = itemKey(item, shape.keys);
          if (!k) {
            add([...path, { i }], item, true);
            continue;
          }
          const itemPath = [...path, { k }];
          add(itemPath, item, false);
          for (const [f, v] of Object.entries(item)) walk(v, [...itemPath, { f }], [...names, f]);
        }
      }
      if (value.length === 0) add(path, value, true);
      return;
    }
    if (isObject(value) && shape !== 'atomic') {
      const entries = Object.entries(value);
      if (entries.length === 0 || (shape === 'map' && mapsAreMembers)) add(path, value, entries.length === 0);
      for (const [f, v] of entries) walk(v, [...path, { f }], [...names, f]);
      return;
    }
    add(path, value, true);
  };
  for (const [f, v] of Object.entries(object)) {
    if (f === 'apiVersion' || f === 'kind') continue;
    if (scope === 'main' && f === 'status') continue;
    if (scope === 'status' && f !== 'status') continue;
    if (f === 'metadata') {
      for (const [mf, mv] of Object.entries(isObject(v) ? v : {})) if (!IDENTITY.has(mf)) walk(mv, [{ f }, { f: mf }], [f, mf]);
      continue;
    }
    walk(v, [{ f }], [f]);
  }
  return out;
}

const elementName = (e: Element) =>
  'f' in e ? `f:${e.f}` : 'k' in e ? `k:${JSON.stringify(e.k)}` : 'v' in e ? `v:${JSON.stringify(e.v)}` : `i:${e.i}`;

/** A set of paths as FieldsV1 JSON. */
export function toFieldsV1(paths: Element[][]): Record<string, Json> {
  const root: Record<string, Json> = {};
  const members: Record<string, Json>[] = [];
  for (const path of paths) {
    let node = root;
    for (const e of path) node = node[elementName(e)] ??= {};
    members.push(node);
  }
  for (const node of members) if (Object.keys(node).some((k) => k !== '.')) node['.'] = {};
  return sortTree(root);
}

function sortTree(node: Record<string, Json>): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const k of Object.keys(node).sort((a, b) => (a === '.' ? -1 : b === '.' ? 1 : a < b ? -1 : a > b ? 1 : 0))) out[k] = sortTree(node[k]);
  return out;
}

/** FieldsV1 JSON back to its paths. */
export function fromFieldsV1(tree: Json): Element[][] {
  const out: Element[][] = [];
  const walk = (node: Json, path: Element[]) => {
    if (!isObject(node)) return;
    const keys = Object.keys(node).filter((k) => k !== '.');
    if (path.length > 0 && (keys.length === 0 || '.' in node)) out.push(path);
    for (const k of keys) {
      const body = k.slice(2);
      let e: Element;
      try {
        e = k.startsWith('f:') ? { f: body } : k.startsWith('k:') ? { k: JSON.parse(body) } : k.startsWith('v:') ? { v: JSON.parse(body) } : { i: Number(body) };
      } catch {
        continue;
      }
      walk(node[k], [...path, e]);
    }
  };
  walk(tree, []);
  return out;
}

/** A path as structured-merge-diff prints it: .spec.containers[name="web"].image */
export function pathString(path: Element[]): string {
  return path
    .map((e) =>
      'f' in e
        ? `.${e.f}`
        : 'k' in e
          ? `[${Object.entries(e.k).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`
          : 'v' in e
            ? `[=${JSON.stringify(e.v)}]`
            : `[${e.i}]`,
    )
    .join('');
}

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, Json>;
  subresource?: string;
}

const entryPaths = (e: ManagedFieldsEntry) => new Set(fromFieldsV1(e.fieldsV1).map(keyOf));
const sameEntry = (e: ManagedFieldsEntry, manager: string, operation: string, subresource: string | undefined, apiVersion: string) =>
  e.manager === manager && e.operation === operation && (e.subresource ?? '') === (subresource ?? '') && (operation === 'Apply' || e.apiVersion === apiVersion);

function setEntry(entries: ManagedFieldsEntry[], entry: Omit<ManagedFieldsEntry, 'fieldsV1' | 'fieldsType' | 'time'>, paths: Element[][]): ManagedFieldsEntry[] {
  const out = entries.filter((e) => !sameEntry(e, entry.manager, entry.operation, entry.subresource, entry.apiVersion));
  const at = entries.findIndex((e) => sameEntry(e, entry.manager, entry.operation, entry.subresource, entry.apiVersion));
  if (paths.length === 0) return out;
  const next: ManagedFieldsEntry = {
    manager: entry.manager,
    operation: entry.operation,
    apiVersion: entry.apiVersion,
    time: now(),
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(paths),
    ...(entry.subresource ? { subresource: entry.subresource } : {}),
  };
  out.splice(at >= 0 ? at : out.length, 0, next);
  return out;
}

function withoutPaths(entries: ManagedFieldsEntry[], drop: Set<string>, keep?: (e: ManagedFieldsEntry) => boolean): ManagedFieldsEntry[] {
  const out: ManagedFieldsEntry[] = [];
  for (const e of entries) {
    if (keep?.(e)) {
      out.push(e);
      continue;
    }
    const paths = fromFieldsV1(e.fieldsV1).filter((p) => !drop.has(keyOf(p)));
    if (paths.length === 0) continue;
    out.push(paths.length === fromFieldsV1(e.fieldsV1).length ? e : { ...e, fieldsV1: toFieldsV1(paths) });
  }
  return out;
}

export function validEntries(v: unknown): ManagedFieldsEntry[] | undefined {
  if (!Array.isArray(v)) return undefined;
  if (!v.every((e) => isObject(e) && typeof e.manager === 'string' && (e.operation === 'Apply' || e.operation === 'Update') && isObject(e.fieldsV1 ?? {}))) return undefined;
  return v.filter((e) => isObject(e.fieldsV1)) as ManagedFieldsEntry[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (!isObject(v)) return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
}

/**
 * The managedFields after an Update (create, update, patch) by `manager`: it owns what it
 * added or changed; what it removed is no longer anyone's; a value it changed is taken from the
 * managers that owned it.
 */
export function recordUpdate(
  old: KubeObject | undefined,
  next: KubeObject,
  manager: string,
  apiVersion: string,
  schema: Schema,
  subresource?: string,
): ManagedFieldsEntry[] {
  const scope = subresource === 'status' ? 'status' : 'main';
  const entries = validEntries(next.metadata.managedFields) ?? validEntries(old?.metadata.managedFields) ?? [];
  const before = old ? fieldSet(old, schema, scope, true) : new Map<string, Member>();
  const after = fieldSet(next, schema, scope, true);
  const removed = new Set([...before.keys()].filter((k) => !after.has(k)));
  const changed = new Set([...after.entries()].filter(([k, m]) => !before.has(k) || (m.leaf && !same(m.value, before.get(k)!.value))).map(([k]) => k));
  let out = withoutPaths(entries, removed);
  out = withoutPaths(out, changed, (e) => sameEntry(e, manager, 'Update', subresource, apiVersion));
  if (changed.size === 0) return out;
  const mine = out.find((e) => sameEntry(e, manager, 'Update', subresource, apiVersion));
  const paths = new Map<string, Element[]>(mine ? fromFieldsV1(mine.fieldsV1).map((p) => [keyOf(p), p]) : []);
  for (const k of changed) paths.set(k, after.get(k)!.path);
  // Paths that no longer exist in the object are dropped from the set.
  for (const k of [...paths.keys()]) if (!after.has(k)) paths.delete(k);
  return setEntry(out, { manager, operation: 'Update', apiVersion, subresource }, [...paths.values()]);
}

export class ConflictError extends Error {
  constructor(readonly conflicts: { manager: ManagedFieldsEntry; path: Element[] }[]) {
    super('conflict');
  }
}

/** How kube-apiserver names a manager in a conflict ("kubectl" or "x" using apps/v1 at T). */
export function printManager(e: ManagedFieldsEntry): string {
  let s = JSON.stringify(e.manager);
  if (e.subresource) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  if (e.operation === 'Update') s += ` using ${e.apiVersion}${e.time ? ` at ${e.time}` : ''}`;
  return s;
}

export function conflictMessage(conflicts: { manager: ManagedFieldsEntry; path: Element[] }[]): string {
  if (conflicts.length === 1) return `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0].manager)}: ${pathString(conflicts[0].path)}`;
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) {
    const name = printManager(c.manager);
    byManager.set(name, [...(byManager.get(name) ?? []), pathString(c.path)]);
  }
  const lines: string[] = [];
  for (const name of [...byManager.keys()].sort()) {
    lines.push(`conflicts with ${name}:`);
    for (const p of byManager.get(name)!) lines.push(`- ${p}`);
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
}

/** Merges the applied configuration into the live value, by the schema's shapes. */
function merge(live: Json, applied: Json, names: string[], schema: Schema): Json {
  if (applied === null) return undefined;
  const shape = schema(names, applied);
  if (Array.isArray(applied) && typeof shape === 'object' && shape.list !== 'atomic' && Array.isArray(live)) {
    if (shape.list === 'set') return [...live, ...applied.filter((x) => !live.some((y) => same(x, y)))];
    const out = [...live];
    for (const item of applied) {
      const k = itemKey(item, shape.keys);
      const at = k ? out.findIndex((x) => same(itemKey(x, shape.keys), k)) : -1;
      if (at >= 0) out[at] = merge(out[at], item, names, schema);
      else out.push(item);
    }
    return out;
  }
  if (isObject(applied) && shape !== 'atomic' && isObject(live)) {
    const out: Record<string, Json> = { ...live };
    for (const [k, v] of Object.entries(applied)) {
      const m = merge(live[k], v, [...names, k], schema);
      if (m === undefined) delete out[k];
      else out[k] = m;
    }
    return out;
  }
  return structuredClone(applied);
}

/** Removes the value at `path` from `object` (a field, a list item or a set value). */
function removePath(object: Json, path: Element[]): void {
  let parent: Json = object;
  for (let i = 0; i < path.length - 1; i++) {
    parent = step(parent, path[i]);
    if (parent === undefined) return;
  }
  const last = path[path.length - 1];
  if ('f' in last && isObject(parent)) delete parent[last.f];
  else if (Array.isArray(parent)) {
    const at = parent.findIndex((x) => matches(x, last));
    if (at >= 0) parent.splice(at, 1);
  }
}

function matches(x: Json, e: Element): boolean {
  if ('k' in e) return isObject(x) && Object.entries(e.k).every(([k, v]) => same(x[k] ?? (k === 'protocol' ? 'TCP' : undefined), v));
  if ('v' in e) return same(x, e.v);
  return false;
}

function step(v: Json, e: Element): Json {
  if ('f' in e) return isObject(v) ? v[e.f] : undefined;
  if ('i' in e) return Array.isArray(v) ? v[e.i] : undefined;
  return Array.isArray(v) ? v.find((x) => matches(x, e)) : undefined;
}

/** Drops maps and objects left empty by removals (upstream does not keep them either). */
function prune(v: Json, original: Json): Json {
  if (!isObject(v)) return v;
  for (const [k, x] of Object.entries(v)) {
    if (isObject(x)) {
      prune(x, original?.[k]);
      if (Object.keys(x).length === 0 && !(isObject(original?.[k]) && Object.keys(original[k]).length === 0)) delete v[k];
    }
  }
  return v;
}

/**
 * Server-side apply of `applied` by `manager` onto `live` (undefined when creating): the merged
 * object with its managedFields. Throws ConflictError unless `force`.
 */
export function serverSideApply(
  live: KubeObject | undefined,
  applied: KubeObject,
  manager: string,
  apiVersion: string,
  schema: Schema,
  force: boolean,
  subresource?: 'status',
): KubeObject {
  const scope = subresource === 'status' ? 'status' : 'main';
  const entries = validEntries(live?.metadata.managedFields) ?? [];
  const appliedSet = fieldSet(applied, schema, scope);
  const liveSet = live ? fieldSet(live, schema, scope) : new Map<string, Member>();
  const isMine = (e: ManagedFieldsEntry) => e.manager === manager && e.operation === 'Apply' && (e.subresource ?? '') === (subresource ?? '');
  const conflicts: { manager: ManagedFieldsEntry; path: Element[] }[] = [];
  const taken = new Set<string>();
  for (const e of entries) {
    if (isMine(e)) continue;
    for (const p of fromFieldsV1(e.fieldsV1)) {
      const k = keyOf(p);
      const a = appliedSet.get(k);
      const l = liveSet.get(k);
      if (!a || !a.leaf || !l) continue;
      if (same(a.value, l.value)) continue;
      conflicts.push({ manager: e, path: p });
      taken.add(k);
    }
  }
  if (conflicts.length > 0 && !force) throw new ConflictError(conflicts);
  let others = withoutPaths(entries.filter((e) => !isMine(e)), taken);
  const previous = entries.find(isMine);
  const stillOwned = new Set(others.flatMap((e) => fromFieldsV1(e.fieldsV1).map(keyOf)));
  const base: KubeObject = live ? structuredClone(live) : { apiVersion: applied.apiVersion, kind: applied.kind, metadata: {} };
  const { metadata: appliedMeta, ...appliedRest } = applied;
  const mergeable: Record<string, Json> = { ...appliedRest, metadata: Object.fromEntries(Object.entries(appliedMeta ?? {}).filter(([k]) => !IDENTITY.has(k))) };
  if (scope === 'main') delete mergeable.status;
  else for (const k of Object.keys(mergeable)) if (k !== 'status') delete mergeable[k];
  const merged = merge(base, mergeable, [], schema) as KubeObject;
  if (previous) {
    const removed = fromFieldsV1(previous.fieldsV1)
      .filter((p) => !appliedSet.has(keyOf(p)) && !stillOwned.has(keyOf(p)))
      .sort((a, b) => a.length - b.length);
    // An item or field that goes takes its children with it: remove the outermost paths only.
    const gone = new Set<string>();
    for (const p of removed) {
      if (p.some((_, i) => i > 0 && gone.has(keyOf(p.slice(0, i))))) continue;
      removePath(merged, p);
      gone.add(keyOf(p));
    }
    prune(merged, applied);
  }
  const mine = [...appliedSet.values()].map((m) => m.path);
  others = setEntry(others, { manager, operation: 'Apply', apiVersion, subresource }, mine);
  // An applier's entry goes first among the entries, as upstream keeps Apply before Update.
  const order = (e: ManagedFieldsEntry) => (e.operation === 'Apply' ? 0 : 1);
  merged.metadata.managedFields = others.sort((a, b) => order(a) - order(b));
  return merged;
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Server-side apply with kube-apiserver's lastAppliedManager: when kubectl (manager "kubectl")
 * server-side applies an object it used to apply client-side, conflicts on fields of the
 * last-applied annotation whose values the live object still has are allowed (the apply is
 * forced), so moving from client-side to server-side apply does not conflict.
 */
export function serverSideApplyFromKubectl(
  live: KubeObject | undefined,
  applied: KubeObject,
  manager: string,
  apiVersion: string,
  schema: Schema,
  force: boolean,
  subresource?: 'status',
): KubeObject {
  try {
    return serverSideApply(live, applied, manager, apiVersion, schema, force, subresource);
  } catch (e) {
    const text = live?.metadata.annotations?.[LAST_APPLIED];
    if (!(e instanceof ConflictError) || manager !== 'kubectl' || !live || typeof text !== 'string' || text === '') throw e;
    let lastApplied: KubeObject;
    try {
      lastApplied = JSON.parse(text);
    } catch {
      throw e;
    }
    if (!isObject(lastApplied) || lastApplied.apiVersion !== apiVersion) throw e;
    const scope = subresource === 'status' ? 'status' : 'main';
    const liveSet = fieldSet(live, schema, scope);
    const allowed = new Set([...fieldSet(lastApplied, schema, scope).entries()].filter(([k, m]) => liveSet.has(k) && (!m.leaf || same(m.value, liveSet.get(k)!.value))).map(([k]) => k));
    const remaining = e.conflicts.filter((c) => !allowed.has(keyOf(c.path)));
    if (remaining.length > 0) throw new ConflictError(remaining);
    return serverSideApply(live, applied, manager, apiVersion, schema, true, subresource);
  }
}

/** The field manager of a request without ?fieldManager: the User-Agent's program name, as upstream. */
export function managerFromUserAgent(userAgent: string | undefined): string {
  const name = String(userAgent ?? '').split('/')[0].trim();
  return name.length > 0 ? name.slice(0, 128) : 'unknown';
}

export function entriesEqualIgnoringTime(a: unknown, b: unknown): boolean {
  const strip = (v: unknown) => (validEntries(v) ?? []).map(({ time: _t, ...rest }) => rest);
  return same(strip(a), strip(b));
}
