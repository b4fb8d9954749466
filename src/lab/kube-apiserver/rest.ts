/**
 * Generic REST for every served resource: URL parsing, verb selection and the handlers for
 * get, list, create, update, patch, delete, deletecollection, watch and the status and scale
 * subresources.
 */
import type http from 'node:http';
import yaml from 'js-yaml';
import { ApiError, errors } from './errors.ts';
import { applyPatch } from './patch.ts';
import { managerFromUserAgent } from './managed-fields.ts';
import { decodeProtobuf } from './protobuf.ts';
import type { DeleteOptions, ObjectApi, Propagation } from './objects.ts';
import type { ResourceInfo } from './registry.ts';
import { selectorText } from './selectors.ts';
import type { KubeObject } from './storage.ts';
import { serveWatch } from './watch.ts';

export interface ResourceRoute {
  info: ResourceInfo;
  namespace?: string;
  name?: string;
  subresource?: string;
  watch: boolean;
  /** The authenticated user (admission webhooks see it). */
  user?: string;
}

/** Parses /api/v1/... and /apis/G/V/...; undefined when the path is not a resource path. */
export function parseResourcePath(api: ObjectApi, pathname: string, query: URLSearchParams): ResourceRoute | ApiError | undefined {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  let groupVersion: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    groupVersion = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    groupVersion = `${parts[1]}/${parts[2]}`;
    rest = parts.slice(3);
  } else return undefined;
  let watch = query.get('watch') === 'true' || query.get('watch') === '1';
  if (rest[0] === 'watch') {
    watch = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3 && !['status', 'finalize'].includes(rest[2])) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource, ...extra] = rest;
  const info = api.registry.lookup(groupVersion, resource);
  if (!info || extra.length > 0) return errors.pathNotFound();
  if (subresource && !info.subresources.has(subresource)) return errors.pathNotFound();
  if (!info.namespaced && namespace !== undefined) return errors.pathNotFound();
  return { info, namespace, name, subresource, watch };
}

export function verbOf(method: string, route: ResourceRoute): string {
  switch (method) {
    case 'GET':
    case 'HEAD':
      return route.watch ? 'watch' : route.name ? 'get' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return route.name ? 'delete' : 'deletecollection';
    default:
      return method.toLowerCase();
  }
}

/** Parses a request body as JSON (or YAML when so labelled), as a 400 Status when malformed. */
export function parseBody(raw: Buffer, contentType: string, kind: string): unknown {
  if (contentType === 'application/vnd.kubernetes.protobuf') return decodeProtobuf(raw, kind);
  if (/protobuf|cbor/.test(contentType)) {
    throw errors.unsupportedMediaType(
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (the lab API server does not decode ${contentType})`,
    );
  }
  const text = raw.toString('utf8');
  if (text.trim() === '') throw errors.badRequest(`the object provided is unrecognized (must be of type ${kind}): Object 'Kind' is missing in ''`);
  try {
    if (/yaml/.test(contentType)) return yaml.load(text);
    return JSON.parse(text);
  } catch (e) {
    throw errors.badRequest(`the object provided is unrecognized (must be of type ${kind}): couldn't get version/kind; json parse error: ${(e as Error).message}`);
  }
}

function toScale(info: ResourceInfo, o: KubeObject): KubeObject {
  void info;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: o.metadata.name,
      namespace: o.metadata.namespace,
      uid: o.metadata.uid,
      resourceVersion: o.metadata.resourceVersion,
      creationTimestamp: o.metadata.creationTimestamp,
    },
    spec: { replicas: o.spec?.replicas ?? 1 },
    status: { replicas: o.status?.replicas ?? 0, selector: selectorText(o.spec?.selector) },
  };
}

export interface Reply {
  code: number;
  body: unknown;
  /** Warnings for the client (kubectl prints each as "Warning: ..."). */
  warnings?: string[];
}

/** The deprecation warnings kube-apiserver attaches to a write of `object`. */
function warningsFor(info: ResourceInfo, object: unknown): string[] {
  const o = object as KubeObject | undefined;
  if (!o || info.group !== '' || !['persistentvolumeclaims', 'persistentvolumes'].includes(info.resource)) return [];
  return o.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'] !== undefined
    ? ['metadata.annotations[volume.beta.kubernetes.io/storage-class]: deprecated since v1.8; use "storageClassName" attribute instead']
    : [];
}

export async function handleResource(
  api: ObjectApi,
  route: ResourceRoute,
  verb: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  query: URLSearchParams,
  rawBody: () => Promise<Buffer>,
): Promise<Reply | undefined> {
  const { info, namespace, name, subresource } = route;
  const allowed = subresource ? ['get', 'update', 'patch'].includes(verb) : info.verbs.has(verb);
  if (!allowed) throw errors.methodNotAllowed(verb);
  const dryRun = query.getAll('dryRun').includes('All');
  const fieldManager = query.get('fieldManager') ?? undefined;
  if (fieldManager !== undefined && (fieldManager.length === 0 || fieldManager.length > 128)) {
    throw errors.badRequest(`fieldManager: Invalid value: "${fieldManager}": must be between 1 and 128 characters long`);
  }
  const manager = fieldManager ?? managerFromUserAgent(req.headers['user-agent']);
  const contentType = (req.headers['content-type'] ?? 'application/json').split(';')[0].trim();
  const body = async () => parseBody(await rawBody(), contentType, subresource === 'scale' ? 'Scale' : info.kind);
  const int = (k: string) => (query.get(k) ? Number(query.get(k)) : undefined);

  if (verb === 'watch') {
    await serveWatch(api, req, res, {
      info,
      namespace,
      name,
      resourceVersion: query.get('resourceVersion') ?? undefined,
      labelSelector: query.get('labelSelector') ?? undefined,
      fieldSelector: query.get('fieldSelector') ?? undefined,
      timeoutSeconds: int('timeoutSeconds'),
    });
    return undefined;
  }
  if (subresource === 'scale') {
    const cur = await api.get(info, namespace, name!);
    if (verb === 'get') return { code: 200, body: toScale(info, cur) };
    const replicasFrom = async (): Promise<{ replicas: number; rv?: string }> => {
      if (verb === 'update') {
        const s = (await body()) as KubeObject;
        return { replicas: Number(s?.spec?.replicas ?? 0), rv: s?.metadata?.resourceVersion };
      }
      const s = applyPatch(toScale(info, cur), contentType, await body(), true);
      return { replicas: Number(s?.spec?.replicas ?? 0), rv: s?.metadata?.resourceVersion !== cur.metadata.resourceVersion ? s?.metadata?.resourceVersion : undefined };
    };
    const { replicas, rv } = await replicasFrom();
    if (!Number.isInteger(replicas) || replicas < 0) {
      throw errors.invalid('Scale', 'autoscaling', name!, [{ field: 'spec.replicas', message: `Invalid value: ${replicas}: must be greater than or equal to 0` }]);
    }
    const updated = await api.mutate(info, namespace, name!, (o) => {
      o.spec = { ...(o.spec ?? {}), replicas };
      if (rv) o.metadata.resourceVersion = rv;
      return o;
    }, { dryRun, user: route.user, manager, via: 'scale' });
    return { code: 200, body: toScale(info, updated) };
  }
  const status = subresource === 'status' ? ('status' as const) : undefined;
  switch (verb) {
    case 'get':
      return { code: 200, body: await api.get(info, namespace, name!) };
    case 'list': {
      const limit = int('limit');
      return {
        code: 200,
        body: await api.list(info, namespace, {
          limit,
          continue: query.get('continue') ?? undefined,
          labelSelector: query.get('labelSelector') ?? undefined,
          fieldSelector: query.get('fieldSelector') ?? undefined,
        }),
      };
    }
    case 'create': {
      if (name) throw errors.methodNotAllowed('create');
      const created = await api.create(info, namespace, await body(), { dryRun, user: route.user, manager });
      return { code: 201, body: created, warnings: warningsFor(info, created) };
    }
    case 'update': {
      const updated = await api.update(info, namespace, name!, await body(), { dryRun, subresource: status, user: route.user, manager });
      return { code: 200, body: updated, warnings: warningsFor(info, updated) };
    }
    case 'patch': {
      if (contentType === 'application/apply-patch+yaml') {
        if (!fieldManager) throw errors.badRequest('fieldManager is required for apply requests');
        const force = query.get('force') === 'true';
        const applied = await body();
        const existed = await api.tryGet(info, namespace, name!);
        const result = await api.apply(info, namespace, name!, applied, { dryRun, subresource: status, user: route.user, manager: fieldManager, force });
        return { code: existed ? 200 : 201, body: result, warnings: warningsFor(info, result) };
      }
      if (query.has('force')) throw errors.badRequest('force is only allowed for apply requests');
      const patchBody = await body();
      const patched = await api.mutate(info, namespace, name!, (cur) => applyPatch(cur, contentType, patchBody, !info.custom), { dryRun, subresource: status, user: route.user, manager });
      return { code: 200, body: patched, warnings: warningsFor(info, patched) };
    }
    case 'delete':
    case 'deletecollection': {
      const raw = await rawBody();
      let options: Record<string, any> = {};
      if (raw.length > 0 && raw.toString().trim() !== '') options = parseBody(raw, contentType, 'DeleteOptions') as Record<string, any>;
      const propagationPolicy = (query.get('propagationPolicy') ?? options.propagationPolicy ?? (options.orphanDependents === true ? 'Orphan' : undefined)) as Propagation | undefined;
      if (propagationPolicy && !['Foreground', 'Background', 'Orphan'].includes(propagationPolicy)) {
        throw errors.invalid('DeleteOptions', '', '', [{ field: 'propagationPolicy', message: `Unsupported value: "${propagationPolicy}": supported values: "Foreground", "Background", "Orphan"`, reason: 'FieldValueNotSupported' }]);
      }
      const opts: DeleteOptions = {
        dryRun: dryRun || (options.dryRun ?? []).includes('All'),
        user: route.user,
        propagationPolicy,
        preconditions: options.preconditions,
        ...gracePeriod(query.get('gracePeriodSeconds') ?? options.gracePeriodSeconds),
      };
      if (verb === 'delete') return { code: 200, body: await api.delete(info, namespace, name!, opts) };
      return {
        code: 200,
        body: await api.deleteCollection(info, namespace, {
          ...opts,
          labelSelector: query.get('labelSelector') ?? undefined,
          fieldSelector: query.get('fieldSelector') ?? undefined,
        }),
      };
    }
    default:
      throw errors.methodNotAllowed(verb);
  }
}

function gracePeriod(value: unknown): { gracePeriodSeconds?: number } {
  if (value === undefined || value === null || value === '') return {};
  const n = Number(value);
  if (!Number.isInteger(n)) throw errors.badRequest(`gracePeriodSeconds: ${JSON.stringify(value)} is not a whole number of seconds`);
  return { gracePeriodSeconds: Math.max(0, n) };
}
