/**
 * PATCH bodies: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and strategic merge patch.
 *
 * Strategic merge: merge-patch semantics, except that the lists k8s.io/api marks with a merge key
 * (containers by name, container ports by containerPort, Service ports by port, volumeMounts by
 * mountPath, conditions by type...) are merged element by element, finalizers are merged as a
 * set, and the directives kubectl sends ($patch: delete/replace, $setElementOrder, $retainKeys,
 * $deleteFromPrimitiveList) are honoured rather than stored. Other lists are replaced whole.
 */
import { errors } from './errors.ts';

type Json = any;

const isObject = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return patch;
  const out: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw errors.badRequest(`invalid JSON pointer: ${pointer}`);
  return pointer.slice(1).split('/').map(unescapePointer);
}

function getAt(doc: Json, pathParts: string[]): Json {
  let cur = doc;
  for (const p of pathParts) {
    if (cur === undefined || cur === null) return undefined;
    cur = Array.isArray(cur) ? cur[Number(p)] : cur[p];
  }
  return cur;
}

export function jsonPatch(doc: Json, ops: Json): Json {
  if (!Array.isArray(ops)) throw errors.badRequest('the JSON patch must be an array of operations');
  let root = structuredClone(doc);
  for (const op of ops) {
    const parts = parsePointer(op.path ?? '');
    const apply = (fn: (parent: Json, key: string) => void) => {
      if (parts.length === 0) throw errors.badRequest(`the operation ${op.op} on the document root is not supported`);
      const parent = getAt(root, parts.slice(0, -1));
      if (parent === undefined || parent === null || typeof parent !== 'object') {
        throw errors.internal(`doc is missing path: "${op.path}": missing value`);
      }
      fn(parent, parts[parts.length - 1]);
    };
    switch (op.op) {
      case 'add':
        if (parts.length === 0) root = structuredClone(op.value);
        else
          apply((parent, key) => {
            if (Array.isArray(parent)) parent.splice(key === '-' ? parent.length : Number(key), 0, structuredClone(op.value));
            else parent[key] = structuredClone(op.value);
          });
        break;
      case 'remove':
        apply((parent, key) => {
          if (Array.isArray(parent)) {
            if (Number(key) >= parent.length) throw errors.internal(`unable to remove nonexistent key: ${key}: missing value`);
            parent.splice(Number(key), 1);
          } else {
            if (!(key in parent)) throw errors.internal(`unable to remove nonexistent key: ${key}: missing value`);
            delete parent[key];
          }
        });
        break;
      case 'replace':
        if (parts.length === 0) root = structuredClone(op.value);
        else
          apply((parent, key) => {
            if (!(Array.isArray(parent) ? Number(key) < parent.length : key in parent)) {
              throw errors.internal(`replace operation does not apply: doc is missing key: ${op.path}: missing value`);
            }
            parent[Array.isArray(parent) ? Number(key) : key] = structuredClone(op.value);
          });
        break;
      case 'test': {
        const cur = getAt(root, parts);
        if (JSON.stringify(cur) !== JSON.stringify(op.value)) throw errors.internal(`testing value ${op.path} failed: test failed`);
        break;
      }
      case 'move':
      case 'copy': {
        const from = parsePointer(op.from ?? '');
        const value = structuredClone(getAt(root, from));
        if (value === undefined) throw errors.internal(`${op.op} operation does not apply: doc is missing from path: ${op.from}: missing value`);
        if (op.op === 'move') root = jsonPatch(root, [{ op: 'remove', path: op.from }]);
        root = jsonPatch(root, [{ op: 'add', path: op.path, value }]);
        break;
      }
      default:
        throw errors.badRequest(`Unexpected kind: ${op.op}`);
    }
  }
  return root;
}

/**
 * The merge keys (patchMergeKey, with patchStrategy "merge") of k8s.io/api's lists, by field
 * name; a list with none is replaced whole, as upstream. `ports` is keyed by containerPort in
 * containers and by port in Services.
 */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  env: 'name',
  imagePullSecrets: 'name',
  resourceClaims: 'name',
  schedulingGates: 'name',
  secrets: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  hostAliases: 'ip',
  podIPs: 'ip',
  hostIPs: 'ip',
  conditions: 'type',
  ownerReferences: 'uid',
  topologySpreadConstraints: 'topologyKey',
};
/** Lists of scalars whose patchStrategy is merge (a patch adds to them). */
const MERGED_SCALAR_LISTS = new Set(['finalizers']);

function mergeKeyOf(field: string, ...lists: unknown[]): string | undefined {
  if (field === 'ports') {
    const items = lists.flatMap((l) => (Array.isArray(l) ? l : [])).filter(isObject);
    if (items.some((i) => 'containerPort' in i)) return 'containerPort';
    if (items.some((i) => 'port' in i)) return 'port';
    return undefined;
  }
  return MERGE_KEYS[field];
}

export function strategicMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return patch;
  if (patch.$patch === 'replace') {
    const { $patch: _, ...rest } = patch;
    return stripDirectives(rest);
  }
  if (patch.$patch === 'delete') return undefined;
  const out: Record<string, Json> = isObject(target) ? { ...target } : {};
  const order = new Map<string, Json[]>();
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$setElementOrder/')) order.set(k.slice('$setElementOrder/'.length), v as Json[]);
    else if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      if (Array.isArray(out[field])) out[field] = out[field].filter((x: Json) => !(v as Json[]).includes(x));
    } else if (k === '$retainKeys') {
      for (const key of Object.keys(out)) if (!(v as string[]).includes(key) && !(key in patch)) delete out[key];
    } else if (k === '$patch') {
      /* merge is the default */
    } else if (v === null) delete out[k];
    else if (Array.isArray(v)) {
      const key = mergeKeyOf(k, v, out[k]);
      if (v.some((e) => isObject(e) && e.$patch === 'replace')) out[k] = stripDirectives(v.filter((e) => !(isObject(e) && e.$patch === 'replace')));
      else if (key && (out[k] === undefined || Array.isArray(out[k]))) out[k] = mergeKeyedList(out[k] ?? [], v, key);
      else if (MERGED_SCALAR_LISTS.has(k) && Array.isArray(out[k])) out[k] = [...out[k], ...v.filter((x) => !out[k].includes(x))];
      else out[k] = stripDirectives(v);
    } else if (isObject(v)) {
      const merged = strategicMergePatch(out[k], v);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    } else out[k] = stripDirectives(v);
  }
  for (const [field, names] of order) {
    if (!Array.isArray(out[field])) continue;
    const key = mergeKeyOf(field, names, out[field]);
    const id = (x: Json) => (isObject(x) && key ? x[key] : x);
    const rank = new Map(names.map((n: Json, i: number) => [id(n), i]));
    out[field] = [...out[field]].sort((a: Json, b: Json) => (rank.get(id(a)) ?? 1e9) - (rank.get(id(b)) ?? 1e9));
  }
  return out;
}

function mergeKeyedList(target: Json[], patch: Json[], key: string): Json[] {
  const out = [...target];
  for (const item of patch) {
    if (!isObject(item)) continue;
    const i = out.findIndex((e) => isObject(e) && e[key] === item[key]);
    if (item.$patch === 'delete') {
      if (i >= 0) out.splice(i, 1);
    } else if (i >= 0) out[i] = strategicMergePatch(out[i], item);
    else out.push(stripDirectives(item));
  }
  return out;
}

function stripDirectives(v: Json): Json {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObject(v)) return v;
  const out: Record<string, Json> = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith('$')) out[k] = stripDirectives(x);
  return out;
}

export const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
] as const;

/** Applies a PATCH body of `contentType` to `current`. */
export function applyPatch(current: Json, contentType: string, body: Json, strategicAllowed: boolean): Json {
  switch (contentType) {
    case 'application/json-patch+json':
      return jsonPatch(current, body);
    case 'application/merge-patch+json':
      if (!isObject(body)) throw errors.badRequest('the merge patch must be a JSON object');
      return mergePatch(current, body);
    case 'application/strategic-merge-patch+json':
      if (!strategicAllowed) {
        throw errors.unsupportedMediaType('application/strategic-merge-patch+json is not supported for custom resources');
      }
      if (!isObject(body)) throw errors.badRequest('the strategic merge patch must be a JSON object');
      return strategicMergePatch(current, body);
    case 'application/apply-patch+yaml':
      throw errors.unsupportedMediaType('server-side apply (application/apply-patch+yaml) is not supported by the lab API server; use client-side apply');
    default:
      throw errors.unsupportedMediaType();
  }
}
