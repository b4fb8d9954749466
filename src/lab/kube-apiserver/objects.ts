/**
 * The object operations behind the REST verbs (get, list, create, update, patch, delete), shared
 * by the HTTP handlers and the controllers. Server-set fields are set here as a real server sets
 * them: uid, resourceVersion, creationTimestamp, generation, generateName.
 */
import { randomUUID } from 'node:crypto';
import type { Admission } from './admission.ts';
import type { Cache } from './cache.ts';
import { ApiError, errors } from './errors.ts';
import { applySchemaDefaults, prune, validateSchema } from './crd-schema.ts';
import { applyDefaults } from './defaults.ts';
import { applyPatch } from './patch.ts';
import {
  builtinSchema,
  ConflictError,
  conflictMessage,
  crdSchema,
  entriesEqualIgnoringTime,
  pathString,
  printManager,
  recordUpdate,
  type Schema,
  serverSideApplyFromKubectl,
  validEntries,
} from './managed-fields.ts';
import type { Registry, ResourceInfo } from './registry.ts';
import { objectFilter } from './selectors.ts';
import type { KubeObject, Store, StoredObject } from './storage.ts';
import { checkDecodable, validateObject, validateUpdate } from './validation.ts';

export type Propagation = 'Foreground' | 'Background' | 'Orphan';

export interface WriteOptions {
  dryRun?: boolean;
  subresource?: 'status';
  /** The resourceVersion the caller expects (a PUT body's); a mismatch is a 409 Conflict. */
  precondition?: string;
  /** Internal: the write marks the object as being deleted (sets deletionTimestamp). */
  deleting?: boolean;
  /** The user the request came from (admission webhooks see it); controllers' writes have none. */
  user?: string;
  /** The field manager of a client's write: it gets an Update entry in managedFields. */
  manager?: string;
  /** The subresource a client wrote through when it is not `subresource` (scale), for managedFields. */
  via?: string;
  /** Internal: managedFields were computed by server-side apply; keep them as they are. */
  keepManagedFields?: boolean;
}

export interface ApplyOptions extends WriteOptions {
  manager: string;
  force?: boolean;
}

export interface DeleteOptions {
  dryRun?: boolean;
  user?: string;
  propagationPolicy?: Propagation;
  preconditions?: { uid?: string; resourceVersion?: string };
  /** DeleteOptions.gracePeriodSeconds: for Pods, how long the kubelet may take to stop them (0: at once). */
  gracePeriodSeconds?: number;
}

export interface ListOptions {
  limit?: number;
  continue?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

/** Per-resource behaviour (CRDs, Services, Namespaces...), called around writes. */
export interface Plugin {
  /** Checks and fills a new object before it is stored (may throw an ApiError). */
  prepareCreate?(info: ResourceInfo, object: KubeObject): void | Promise<void>;
  /** Fixes an update of the main resource before it is stored (e.g. keeps immutable fields). */
  prepareUpdate?(info: ResourceInfo, current: KubeObject, next: KubeObject): void;
  /** Runs after an object was stored (created or updated). */
  afterWrite?(info: ResourceInfo, object: KubeObject): void | Promise<void>;
  /** Runs before an object is removed from storage. */
  beforeDelete?(info: ResourceInfo, object: KubeObject): void | Promise<void>;
}

export const now = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';
export function randomSuffix(n = 5): string {
  let s = '';
  for (let i = 0; i < n; i++) s += NAME_CHARS[Math.floor(Math.random() * NAME_CHARS.length)];
  return s;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

function nameProblem(info: ResourceInfo, name: string): string | undefined {
  if (info.group === 'rbac.authorization.k8s.io') {
    return name === '.' || name === '..' || /[/%]/.test(name) ? `may not contain '/' or '%' or be '.' or '..'` : undefined;
  }
  if (info.group === '' && info.resource === 'services') {
    return DNS_1035.test(name) && name.length <= 63
      ? undefined
      : `a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`;
  }
  if (info.group === '' && info.resource === 'namespaces') {
    return DNS_LABEL.test(name) && name.length <= 63
      ? undefined
      : `a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`;
  }
  return DNS_SUBDOMAIN.test(name) && name.length <= 253
    ? undefined
    : `a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`;
}

/** Resources whose real strategies do not set metadata.generation. */
const NO_GENERATION = new Set(['nodes', 'namespaces', 'services', 'persistentvolumes', 'persistentvolumeclaims', 'pods', 'endpoints']);

const clone = <T>(v: T): T => structuredClone(v);
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Fields a real server resets or keeps itself, not taken from a create or update body. */
function statusOnCreate(info: ResourceInfo): Record<string, unknown> | undefined {
  switch (info.resource) {
    case 'namespaces':
      return { phase: 'Active' };
    case 'pods':
      return { phase: 'Pending', qosClass: 'BestEffort' };
    case 'persistentvolumeclaims':
    case 'persistentvolumes':
      return { phase: info.resource === 'persistentvolumes' ? 'Available' : 'Pending' };
    default:
      return undefined;
  }
}

/** Conversions a real server applies on every write (Secret stringData is write-only). */
function normalize(info: ResourceInfo, object: KubeObject): void {
  if (info.resource === 'secrets' && info.group === '' && object.stringData) {
    object.data = { ...(object.data ?? {}) };
    for (const [k, v] of Object.entries(object.stringData)) object.data[k] = Buffer.from(String(v)).toString('base64');
    delete object.stringData;
  }
  if (info.resource === 'secrets' && info.group === '') object.type ??= 'Opaque';
}

export class ObjectApi {
  private readonly plugins: Plugin[] = [];
  /** Set while the server runs controllers: the GC and namespace cleanup read it. */
  cache?: Cache;
  /** Admission webhooks, called on every create, update and delete when set. */
  admission?: Admission;

  constructor(
    readonly registry: Registry,
    readonly store: Store,
  ) {}

  use(plugin: Plugin): void {
    this.plugins.push(plugin);
  }

  key(info: ResourceInfo, namespace: string | undefined, name: string): string {
    return info.namespaced ? `${info.prefix}/${namespace}/${name}` : `${info.prefix}/${name}`;
  }

  /** The object as served at `info`'s group/version. */
  present(info: ResourceInfo, object: KubeObject): KubeObject {
    const { apiVersion: _a, kind: _k, ...rest } = object;
    return { apiVersion: info.groupVersion, kind: info.kind, ...rest } as KubeObject;
  }

  private async current(info: ResourceInfo, namespace: string | undefined, name: string): Promise<StoredObject> {
    const found = await this.store.get(this.key(info, namespace, name));
    if (!found) throw errors.notFound(info.resource, info.group, name);
    return found;
  }

  async get(info: ResourceInfo, namespace: string | undefined, name: string): Promise<KubeObject> {
    return this.present(info, (await this.current(info, namespace, name)).object);
  }

  async tryGet(info: ResourceInfo, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    const found = await this.store.get(this.key(info, namespace, name));
    return found ? this.present(info, found.object) : undefined;
  }

  async list(info: ResourceInfo, namespace: string | undefined, opts: ListOptions = {}): Promise<KubeObject> {
    const prefix = `${info.prefix}/${info.namespaced && namespace ? `${namespace}/` : ''}`;
    const filter = objectFilter(opts.labelSelector, opts.fieldSelector);
    let startKey: string | undefined;
    let revision: number | undefined;
    if (opts.continue) {
      try {
        const token = JSON.parse(Buffer.from(opts.continue, 'base64').toString('utf8'));
        if (token.v !== 'meta.k8s.io/v1' || typeof token.start !== 'string' || typeof token.rv !== 'number') throw new Error('bad');
        startKey = prefix + token.start;
        revision = token.rv;
      } catch {
        throw errors.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
      }
    }
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const items: KubeObject[] = [];
    let nextKey: string | undefined;
    let remaining: number | undefined;
    for (;;) {
      let page;
      try {
        page = await this.store.list(prefix, { limit: limit ? Math.max(limit - items.length, limit) : 0, startKey, revision });
      } catch (e) {
        if (e instanceof ApiError && e.code === 410 && opts.continue) {
          throw errors.gone('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
        }
        throw e;
      }
      revision = page.revision;
      for (const item of page.items) {
        if (limit && items.length >= limit) break;
        if (!filter(item.object)) continue;
        items.push(item.object);
        nextKey = item.key + '\0';
      }
      remaining = page.remaining;
      if (!page.nextKey) {
        // Everything read: there is no continuation unless the loop stopped early.
        const lastRead = page.items[page.items.length - 1];
        if (!(limit && items.length >= limit && lastRead && nextKey !== lastRead.key + '\0')) nextKey = undefined;
        break;
      }
      if (limit && items.length >= limit) break;
      startKey = page.nextKey;
    }
    const metadata: Record<string, unknown> = { resourceVersion: String(revision) };
    if (nextKey) {
      metadata.continue = Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: revision, start: nextKey.slice(prefix.length) })).toString('base64');
      if (remaining !== undefined && !opts.labelSelector && !opts.fieldSelector) metadata.remainingItemCount = remaining;
    }
    return {
      kind: `${info.kind}List`,
      apiVersion: info.groupVersion,
      metadata,
      items: items.map((o) => {
        if (info.custom) return this.present(info, o);
        const { apiVersion: _a, kind: _k, ...rest } = o;
        return rest as KubeObject;
      }),
    };
  }

  private checkBody(info: ResourceInfo, body: unknown, namespace: string | undefined): KubeObject {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw errors.badRequest(`the object provided is unrecognized (must be of type ${info.kind})`);
    }
    const object = body as KubeObject;
    if (object.apiVersion !== undefined && object.apiVersion !== info.groupVersion) {
      const sameGroup = info.group ? String(object.apiVersion).startsWith(`${info.group}/`) : !String(object.apiVersion).includes('/');
      if (!sameGroup) throw errors.badRequest(`the API version in the data (${object.apiVersion}) does not match the expected API version (${info.groupVersion})`);
    }
    if (object.kind !== undefined && object.kind !== info.kind) {
      throw errors.badRequest(`the kind in the data (${object.kind}) does not match the expected kind (${info.kind})`);
    }
    object.metadata ??= {};
    if (typeof object.metadata !== 'object') throw errors.badRequest('metadata must be an object');
    if (info.namespaced) {
      if (object.metadata.namespace && namespace && object.metadata.namespace !== namespace) {
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      object.metadata.namespace = namespace ?? object.metadata.namespace;
    } else delete object.metadata.namespace;
    object.apiVersion = info.groupVersion;
    object.kind = info.kind;
    return object;
  }

  private async requireNamespace(info: ResourceInfo, namespace: string | undefined, creating: boolean): Promise<void> {
    if (!info.namespaced) return;
    if (!namespace) throw errors.badRequest('the namespace of the object must be set');
    const ns = await this.store.get(`/registry/namespaces/${namespace}`);
    if (!ns) throw errors.notFound('namespaces', '', namespace);
    if (creating && ns.object.metadata.deletionTimestamp) {
      throw new ApiError(403, 'Forbidden', `${info.resource} "${''}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`);
    }
  }

  async create(info: ResourceInfo, namespace: string | undefined, body: unknown, opts: WriteOptions = {}): Promise<KubeObject> {
    let object = this.checkBody(info, clone(body), namespace);
    const meta = object.metadata;
    if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${randomSuffix()}`;
    if (!meta.name) throw errors.invalid(info.kind, info.group, '', [{ field: 'metadata.name', message: 'Required value: name or generateName is required', reason: 'FieldValueRequired' }]);
    const problem = nameProblem(info, meta.name);
    if (problem) throw errors.invalid(info.kind, info.group, meta.name, [{ field: 'metadata.name', message: `Invalid value: "${meta.name}": ${problem}` }]);
    if (meta.resourceVersion) throw errors.internal('resourceVersion should not be set on objects to be created');
    await this.requireNamespace(info, meta.namespace, true);
    meta.uid = randomUUID();
    meta.creationTimestamp = now();
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    const givenEntries = validEntries(meta.managedFields);
    if (givenEntries) meta.managedFields = givenEntries;
    else delete meta.managedFields;
    if ((object.spec !== undefined && !NO_GENERATION.has(info.resource)) || info.custom) meta.generation = 1;
    else delete meta.generation;
    if (info.subresources.has('status') && info.resource !== 'customresourcedefinitions') {
      const status = statusOnCreate(info);
      if (status) object.status = { ...status };
      else if (!['nodes', 'services'].includes(info.resource) || object.status === undefined) delete object.status;
    }
    if (info.resource === 'namespaces') {
      object.spec = { finalizers: ['kubernetes'], ...(object.spec ?? {}) };
      meta.labels = { ...(meta.labels ?? {}), 'kubernetes.io/metadata.name': meta.name };
    }
    checkDecodable(info, object);
    const crdSchema = info.custom ? await this.crdVersionSchema(info) : undefined;
    if (crdSchema) {
      prune(object, crdSchema);
      applySchemaDefaults(object, crdSchema);
    }
    normalize(info, object);
    applyDefaults(info, object);
    for (const p of this.plugins) await p.prepareCreate?.(info, object);
    const admit = { info, operation: 'CREATE' as const, namespace: meta.namespace, name: meta.name, dryRun: opts.dryRun, user: opts.user };
    if (this.admission) {
      object = this.checkBody(info, await this.admission.mutate({ ...admit, object }), namespace);
      applyDefaults(info, object);
    }
    validateObject(info, object);
    this.checkCustom(info, object, crdSchema);
    await this.admission?.validate({ ...admit, object });
    if (opts.manager && !opts.keepManagedFields) object.metadata.managedFields = recordUpdate(undefined, object, opts.manager, info.groupVersion, await this.schemaFor(info));
    if (!object.metadata.managedFields?.length) delete object.metadata.managedFields;
    if (opts.dryRun) return this.present(info, object);
    const revision = await this.store.create(this.key(info, meta.namespace, meta.name), object);
    if (revision === undefined) throw errors.alreadyExists(info.resource, info.group, meta.name);
    meta.resourceVersion = String(revision);
    for (const p of this.plugins) await p.afterWrite?.(info, object);
    return this.present(info, object);
  }

  /**
   * Changes an object with `change(current)`, retrying on write races unless the caller named a
   * resourceVersion (then a mismatch is a 409 Conflict, as on a real server).
   */
  async mutate(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    change: (current: KubeObject) => KubeObject,
    opts: WriteOptions = {},
  ): Promise<KubeObject> {
    const key = this.key(info, namespace, name);
    const schema = opts.manager && !opts.keepManagedFields ? await this.schemaFor(info) : undefined;
    const crdSchema = info.custom ? await this.crdVersionSchema(info) : undefined;
    for (let attempt = 0; ; attempt++) {
      const cur = await this.current(info, namespace, name);
      const currentRv = String(cur.modRevision);
      const proposed = change(clone(cur.object));
      if (typeof proposed !== 'object' || proposed === null || Array.isArray(proposed)) {
        throw errors.badRequest(`the object provided is unrecognized (must be of type ${info.kind})`);
      }
      const next = this.checkBody(info, proposed, namespace);
      // A resourceVersion the caller set (PUT body, or changed by a patch) is a precondition.
      const asked = opts.precondition ?? (next.metadata.resourceVersion !== currentRv ? next.metadata.resourceVersion : undefined);
      if (asked && asked !== currentRv) throw errors.conflict(info.resource, info.group, name);
      if (next.metadata.name !== undefined && next.metadata.name !== name) {
        throw errors.badRequest(`the name of the object (${next.metadata.name}) does not match the name on the URL (${name})`);
      }
      if (!opts.subresource) checkDecodable(info, next);
      if (crdSchema) {
        prune(next, crdSchema);
        applySchemaDefaults(next, crdSchema);
      }
      normalize(info, next);
      if (!opts.subresource) applyDefaults(info, next);
      let merged = this.prepareUpdate(info, cur.object, next, opts.subresource);
      if (opts.deleting) {
        merged.metadata.deletionTimestamp = next.metadata.deletionTimestamp;
        merged.metadata.deletionGracePeriodSeconds = next.metadata.deletionGracePeriodSeconds;
      }
      if (!opts.subresource) for (const p of this.plugins) p.prepareUpdate?.(info, cur.object, merged);
      if (this.admission && !opts.deleting) {
        const admit = { info, operation: 'UPDATE' as const, namespace, name, oldObject: cur.object, subresource: opts.subresource, dryRun: opts.dryRun, user: opts.user };
        const mutated = this.checkBody(info, await this.admission.mutate({ ...admit, object: merged }), namespace);
        if (mutated !== merged) {
          if (!opts.subresource) applyDefaults(info, mutated);
          merged = opts.subresource === 'status' ? { ...merged, status: mutated.status } : this.prepareUpdate(info, cur.object, mutated);
        }
        if (!opts.subresource) {
          validateObject(info, merged);
          validateUpdate(info, cur.object, merged);
        }
        if (!opts.deleting) this.checkCustom(info, merged, crdSchema, cur.object);
        await this.admission.validate({ ...admit, object: merged });
      } else if (!opts.subresource) {
        validateObject(info, merged);
        validateUpdate(info, cur.object, merged);
      }
      if (!this.admission && !opts.deleting) this.checkCustom(info, merged, crdSchema, cur.object);
      if (schema) merged.metadata.managedFields = recordUpdate(cur.object, merged, opts.manager!, info.groupVersion, schema, opts.via ?? opts.subresource);
      if (!merged.metadata.managedFields?.length) delete merged.metadata.managedFields;
      if (opts.dryRun) return this.present(info, merged);
      // A write that changes nothing is not stored, and keeps the resourceVersion (as upstream).
      const bare = (o: KubeObject) => ({ ...o, metadata: { ...o.metadata, resourceVersion: undefined, managedFields: undefined } });
      if (same(bare(merged), bare(cur.object)) && entriesEqualIgnoringTime(merged.metadata.managedFields, cur.object.metadata.managedFields)) {
        return this.present(info, cur.object);
      }
      // An object being deleted goes once no finalizer holds it, unless a grace period still runs (a Pod's kubelet stopping it).
      if (merged.metadata.deletionTimestamp && (merged.metadata.finalizers ?? []).length === 0 && !merged.metadata.deletionGracePeriodSeconds && info.resource !== 'namespaces') {
        for (const p of this.plugins) await p.beforeDelete?.(info, merged);
        const rev = await this.store.delete(key, cur.modRevision);
        if (rev !== undefined) return this.present(info, { ...merged, metadata: { ...merged.metadata, resourceVersion: String(rev) } });
      } else {
        const rev = await this.store.update(key, merged, cur.modRevision);
        if (rev !== undefined) {
          merged.metadata.resourceVersion = String(rev);
          for (const p of this.plugins) await p.afterWrite?.(info, merged);
          return this.present(info, merged);
        }
      }
      if (asked || attempt > 20) throw errors.conflict(info.resource, info.group, name);
    }
  }

  private prepareUpdate(info: ResourceInfo, cur: KubeObject, next: KubeObject, subresource?: 'status'): KubeObject {
    const hasStatus = info.subresources.has('status');
    if (subresource === 'status') {
      return { ...cur, status: next.status, metadata: { ...cur.metadata } };
    }
    const out = clone(next);
    const meta = out.metadata;
    for (const f of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'namespace', 'generation']) {
      if (cur.metadata[f] === undefined) delete meta[f];
      else meta[f] = cur.metadata[f];
    }
    meta.name = cur.metadata.name;
    const given = validEntries(meta.managedFields);
    if (given && given.length > 0) meta.managedFields = given;
    else if (cur.metadata.managedFields) meta.managedFields = cur.metadata.managedFields;
    else delete meta.managedFields;
    if (hasStatus && info.resource !== 'customresourcedefinitions') {
      if (cur.status === undefined) delete out.status;
      else out.status = cur.status;
    }
    if (cur.metadata.generation !== undefined) {
      const changed = info.custom
        ? Object.keys({ ...cur, ...out }).some((k) => !['metadata', 'status', 'apiVersion', 'kind'].includes(k) && !same(cur[k], out[k]))
        : !same(cur.spec, out.spec);
      if (changed) meta.generation = cur.metadata.generation + 1;
    }
    return out;
  }

  /** The shapes of `info`'s fields: k8s.io/api's for built-in kinds, the CRD schema for custom ones. */
  /** The openAPIV3Schema of a custom resource's version, from its CRD (named <plural>.<group>). */
  async crdVersionSchema(info: ResourceInfo): Promise<Record<string, any> | undefined> {
    const crd = await this.store.get(`/registry/apiextensions.k8s.io/customresourcedefinitions/${info.resource}.${info.group}`);
    return (crd?.object.spec?.versions ?? []).find((v: any) => v.name === info.version)?.schema?.openAPIV3Schema;
  }

  /** A custom resource against its CRD schema: 422 Invalid with every problem, as upstream. */
  private checkCustom(info: ResourceInfo, object: KubeObject, schema: Record<string, any> | undefined, old?: KubeObject): void {
    if (!schema) return;
    // Ratcheting (on by default since 1.30): a problem the stored object already had is let be.
    const before = new Set(old ? validateSchema(old, schema, '').map((c) => JSON.stringify(c)) : []);
    const causes = validateSchema(object, schema, '').filter((c) => !before.has(JSON.stringify(c)));
    if (causes.length) throw errors.invalid(info.kind, info.group, object.metadata?.name ?? '', causes);
  }

  async schemaFor(info: ResourceInfo): Promise<Schema> {
    if (!info.custom) return builtinSchema;
    return crdSchema((await this.crdVersionSchema(info)) ?? {});
  }

  /**
   * Server-side apply (PATCH application/apply-patch+yaml): merges `body` into the object as
   * its manager's applied configuration, creating the object when it does not exist.
   */
  async apply(info: ResourceInfo, namespace: string | undefined, name: string, body: unknown, opts: ApplyOptions): Promise<KubeObject> {
    const applied = this.checkBody(info, clone(body), namespace);
    if (applied.metadata.name !== undefined && applied.metadata.name !== name) {
      throw errors.badRequest(`the name of the object (${applied.metadata.name}) does not match the name on the URL (${name})`);
    }
    applied.metadata.name = name;
    const schema = await this.schemaFor(info);
    const run = (live: KubeObject | undefined): KubeObject => {
      try {
        return serverSideApplyFromKubectl(live, applied, opts.manager, info.groupVersion, schema, opts.force === true, opts.subresource);
      } catch (e) {
        if (!(e instanceof ConflictError)) throw e;
        throw errors.applyConflict(conflictMessage(e.conflicts), e.conflicts.map((c) => ({ field: pathString(c.path), message: `conflict with ${printManager(c.manager)}` })));
      }
    };
    const write = { ...opts, manager: undefined, keepManagedFields: true };
    for (let attempt = 0; ; attempt++) {
      const existing = await this.store.get(this.key(info, namespace, name));
      if (existing) return this.mutate(info, namespace, name, (cur) => run(cur), write);
      if (opts.subresource) throw errors.notFound(info.resource, info.group, name);
      const created = run(undefined);
      created.metadata.name = name;
      try {
        return await this.create(info, namespace, created, write);
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 409 && e.reason === 'AlreadyExists') || attempt > 3) throw e;
      }
    }
  }

  async update(info: ResourceInfo, namespace: string | undefined, name: string, body: unknown, opts: WriteOptions = {}): Promise<KubeObject> {
    const incoming = this.checkBody(info, clone(body), namespace);
    return this.mutate(info, namespace, name, () => clone(incoming), { ...opts, precondition: incoming.metadata.resourceVersion || undefined });
  }

  async patch(info: ResourceInfo, namespace: string | undefined, name: string, contentType: string, body: unknown, opts: WriteOptions = {}): Promise<KubeObject> {
    return this.mutate(info, namespace, name, (cur) => applyPatch(cur, contentType, body, !info.custom), opts);
  }

  async delete(info: ResourceInfo, namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<KubeObject> {
    const key = this.key(info, namespace, name);
    const cur = await this.current(info, namespace, name);
    const pre = opts.preconditions ?? {};
    if (pre.uid && pre.uid !== cur.object.metadata.uid) {
      throw errors.conflict(info.resource, info.group, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${cur.object.metadata.uid}`);
    }
    if (pre.resourceVersion && pre.resourceVersion !== String(cur.modRevision)) {
      throw errors.conflict(info.resource, info.group, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${cur.modRevision}`);
    }
    const object = this.present(info, cur.object);
    if (this.admission) {
      const admit = { info, operation: 'DELETE' as const, namespace, name, oldObject: cur.object, dryRun: opts.dryRun, user: opts.user };
      await this.admission.mutate(admit);
      await this.admission.validate(admit);
    }
    if (opts.dryRun) return object;
    if (info.resource === 'namespaces') return this.deleteNamespace(info, cur);
    const grace = info.group === '' && info.resource === 'pods' ? podGracePeriod(cur.object, opts.gracePeriodSeconds) : 0;
    if (grace > 0) return this.deleteGracefully(info, namespace, name, cur.object, grace);
    if ((cur.object.metadata.finalizers ?? []).length > 0) {
      return this.mutate(info, namespace, name, (o) => {
        o.metadata.deletionTimestamp ??= now();
        o.metadata.deletionGracePeriodSeconds = 0;
        return o;
      }, { deleting: true });
    }
    const policy = opts.propagationPolicy ?? 'Background';
    const uid = cur.object.metadata.uid;
    if (this.cache && uid && policy !== 'Background' && this.cache.dependentsOf(uid).length > 0) {
      // Marked as being deleted first (upstream's orphan and foregroundDeletion finalizers), so its
      // controller makes no new dependents while these are orphaned or deleted.
      const finalizer = policy === 'Orphan' ? 'orphan' : 'foregroundDeletion';
      await this.mutate(info, namespace, name, (o) => {
        o.metadata.deletionTimestamp ??= now();
        o.metadata.deletionGracePeriodSeconds = 0;
        o.metadata.finalizers = [...new Set([...(o.metadata.finalizers ?? []), finalizer])];
        return o;
      }, { deleting: true });
      for (const dep of this.cache.dependentsOf(uid)) {
        const depInfo = this.infoOf(dep.object);
        if (!depInfo) continue;
        const depNs = dep.object.metadata.namespace;
        if (policy === 'Orphan') {
          await this.mutate(depInfo, depNs, dep.object.metadata.name, (o) => {
            o.metadata.ownerReferences = (o.metadata.ownerReferences ?? []).filter((r: any) => r.uid !== uid);
            if (o.metadata.ownerReferences.length === 0) delete o.metadata.ownerReferences;
            return o;
          }).catch(ignoreNotFound);
        } else {
          await this.delete(depInfo, depNs, dep.object.metadata.name, { propagationPolicy: 'Foreground' }).catch(ignoreNotFound);
        }
      }
      // Without its finalizer (and no other left), the object goes.
      return this.mutate(info, namespace, name, (o) => {
        o.metadata.finalizers = (o.metadata.finalizers ?? []).filter((f: string) => f !== finalizer);
        if (!o.metadata.finalizers.length) delete o.metadata.finalizers;
        return o;
      }, { deleting: true });
    }
    for (const p of this.plugins) await p.beforeDelete?.(info, cur.object);
    const rev = await this.store.delete(key, cur.modRevision);
    if (rev === undefined) {
      const again = await this.store.get(key);
      if (!again) throw errors.notFound(info.resource, info.group, name);
      return this.delete(info, namespace, name, opts);
    }
    return object;
  }

  /**
   * A graceful delete (kube-apiserver's for Pods): deletionTimestamp = now + grace and
   * deletionGracePeriodSeconds = grace; the object stays until its kubelet has stopped it and
   * deletes it with grace 0. A second delete may shorten the grace period, never lengthen it.
   */
  private async deleteGracefully(info: ResourceInfo, namespace: string | undefined, name: string, current: KubeObject, grace: number): Promise<KubeObject> {
    const had = current.metadata.deletionGracePeriodSeconds;
    if (current.metadata.deletionTimestamp && had !== undefined && had <= grace) return this.present(info, current);
    return this.mutate(info, namespace, name, (o) => {
      o.metadata.deletionTimestamp = new Date(Date.now() + grace * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
      o.metadata.deletionGracePeriodSeconds = grace;
      return o;
    }, { deleting: true });
  }

  /** The resource (at its preferred version) an object belongs to, from apiVersion and kind. */
  infoOf(object: KubeObject): ResourceInfo | undefined {
    return this.registry.forObject(String(object.apiVersion ?? ''), String(object.kind ?? ''));
  }

  /** A namespace is marked Terminating at once; its contents and then itself go right after. */
  private async deleteNamespace(info: ResourceInfo, cur: StoredObject): Promise<KubeObject> {
    const name = cur.object.metadata.name;
    const marked = await this.mutate(info, undefined, name, (o) => {
      o.metadata.deletionTimestamp ??= now();
      o.metadata.deletionGracePeriodSeconds ??= 0;
      return o;
    }, { deleting: true });
    await this.mutate(info, undefined, name, (o) => ({ ...o, status: { ...(o.status ?? {}), phase: 'Terminating' } }), { subresource: 'status' });
    void this.purgeNamespace(name).catch((e) => console.error(`namespace ${name} cleanup failed: ${(e as Error).message}`));
    return marked;
  }

  private async purgeNamespace(name: string): Promise<void> {
    for (const info of this.registry.storedResources()) {
      if (!info.namespaced) continue;
      for (;;) {
        const page = await this.store.list(`${info.prefix}/${name}/`, { limit: 500 });
        for (const item of page.items) {
          for (const p of this.plugins) await p.beforeDelete?.(info, item.object);
          await this.store.delete(item.key);
        }
        if (!page.nextKey) break;
      }
    }
    await this.store.delete(`/registry/namespaces/${name}`);
  }

  async deleteCollection(info: ResourceInfo, namespace: string | undefined, opts: ListOptions & DeleteOptions): Promise<KubeObject> {
    const list = await this.list(info, namespace, { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector });
    const deleted: KubeObject[] = [];
    for (const item of list.items as KubeObject[]) {
      try {
        deleted.push(await this.delete(info, item.metadata.namespace, item.metadata.name, opts));
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
      }
    }
    return { ...list, items: deleted };
  }
}

/**
 * The grace period of a Pod delete, as the Pod strategy's CheckGracefulDelete: the caller's, else
 * the pod's terminationGracePeriodSeconds (default 30); 0 for a pod never scheduled or already
 * finished, since no kubelet has anything to stop.
 */
function podGracePeriod(pod: KubeObject, asked: number | undefined): number {
  if (!pod.spec?.nodeName || ['Succeeded', 'Failed'].includes(pod.status?.phase)) return 0;
  const grace = asked ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
  return Math.max(0, Math.floor(Number(grace)) || 0);
}

export function ignoreNotFound(e: unknown): undefined {
  if (e instanceof ApiError && e.code === 404) return undefined;
  throw e;
}
