/**
 * OpenAPI v3 documents generated from discovery: for each group/version, one path per resource
 * with the operations its verbs allow. The `patch` operations carry what kubectl looks for
 * (`x-kubernetes-action: patch`, `x-kubernetes-group-version-kind`, a `fieldValidation`
 * parameter), so `kubectl apply` validates on the server instead of refusing. Schemas are open
 * objects, not the full upstream schemas.
 *
 * The patch request bodies do not list application/strategic-merge-patch+json: kubectl would then
 * look for full schemas here to compute the patch; without it, kubectl computes strategic merge
 * patches from its compiled-in types (built-in kinds) or sends merge patches (custom resources).
 */
import { createHash } from 'node:crypto';
import type { ApiResource, Registry } from './registry.ts';

const K8S_VERSION = 'v1.32.0';

function gvPath(groupVersion: string): string {
  return groupVersion.includes('/') ? `apis/${groupVersion}` : `api/${groupVersion}`;
}

function schemaName(group: string, version: string, kind: string): string {
  return `${group ? group.split('.').reverse().join('.') : 'io.k8s.api.core'}.${version}.${kind}`;
}

const param = (name: string, where: 'query' | 'path', description: string) => ({
  name,
  in: where,
  description,
  ...(where === 'path' ? { required: true } : {}),
  schema: { type: 'string', uniqueItems: true },
});

export function gvDocument(groupVersion: string, resources: ApiResource[]): Record<string, unknown> {
  const [group, version] = groupVersion.includes('/') ? groupVersion.split('/') : ['', groupVersion];
  const base = `/${gvPath(groupVersion)}`;
  const paths: Record<string, Record<string, unknown>> = {};
  const schemas: Record<string, unknown> = {};
  for (const r of resources) {
    const [plural, sub] = r.name.split('/');
    const g = r.group ?? group;
    const v = r.version ?? version;
    const gvk = { group: g, version: v, kind: r.kind };
    const ref = { $ref: `#/components/schemas/${schemaName(g, v, r.kind)}` };
    schemas[schemaName(g, v, r.kind)] = { type: 'object', 'x-kubernetes-group-version-kind': [gvk], 'x-kubernetes-preserve-unknown-fields': true };
    const itemPath = `${base}${r.namespaced ? '/namespaces/{namespace}' : ''}/${plural}/{name}${sub ? `/${sub}` : ''}`;
    const pathParams = [param('name', 'path', `name of the ${r.kind}`), ...(r.namespaced ? [param('namespace', 'path', 'object name and auth scope')] : [])];
    const op = (action: string, extra: Record<string, unknown> = {}) => ({
      operationId: `${action}${r.kind}${sub ? sub[0].toUpperCase() + sub.slice(1) : ''}`,
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
      responses: { '200': { description: 'OK', content: { 'application/json': { schema: ref } } } },
      ...extra,
    });
    const item: Record<string, unknown> = { parameters: pathParams };
    if (r.verbs.includes('get')) item.get = op('get');
    if (r.verbs.includes('update')) {
      item.put = op('put', {
        parameters: [param('dryRun', 'query', 'dry run'), param('fieldManager', 'query', 'field manager'), param('fieldValidation', 'query', 'field validation')],
        requestBody: { content: { '*/*': { schema: ref } }, required: true },
      });
    }
    if (r.verbs.includes('patch')) {
      const patchSchema = { schema: { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch' } };
      item.patch = op('patch', {
        parameters: [
          param('dryRun', 'query', 'dry run'),
          param('fieldManager', 'query', 'field manager'),
          param('fieldValidation', 'query', 'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields'),
          { name: 'force', in: 'query', schema: { type: 'boolean', uniqueItems: true } },
        ],
        requestBody: {
          content: { 'application/json-patch+json': patchSchema, 'application/merge-patch+json': patchSchema },
          required: true,
        },
      });
    }
    if (r.verbs.includes('delete')) item.delete = op('delete');
    paths[itemPath] = item;
    if (!sub && (r.verbs.includes('list') || r.verbs.includes('create'))) {
      const collection: Record<string, unknown> = { parameters: r.namespaced ? [param('namespace', 'path', 'object name and auth scope')] : [] };
      if (r.verbs.includes('list')) collection.get = op('list');
      if (r.verbs.includes('create')) {
        collection.post = op('post', {
          parameters: [param('dryRun', 'query', 'dry run'), param('fieldManager', 'query', 'field manager'), param('fieldValidation', 'query', 'field validation')],
          requestBody: { content: { '*/*': { schema: ref } }, required: true },
        });
      }
      if (r.verbs.includes('deletecollection')) collection.delete = op('deletecollection');
      paths[`${base}${r.namespaced ? '/namespaces/{namespace}' : ''}/${plural}`] = collection;
    }
  }
  schemas['io.k8s.apimachinery.pkg.apis.meta.v1.Patch'] = { type: 'object', description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.' };
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: K8S_VERSION }, paths, components: { schemas } };
}

/** Protobuf length-delimited field. */
function pbField(field: number, payload: Buffer): Buffer {
  const len: number[] = [];
  let n = payload.length;
  do {
    len.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n >>>= 7;
  } while (n > 0);
  return Buffer.concat([Buffer.from([(field << 3) | 2, ...len]), payload]);
}

/**
 * /openapi/v2: an empty but valid document (swagger, info; no paths or definitions), as protobuf
 * (gnostic openapi_v2.Document) when asked for it, else JSON. kubectl falls back to v2 for a
 * group/version missing from its cached v3 root (a CRD applied in the same run as its objects);
 * with no kinds in it, kubectl skips client-side validation of those objects, as it does for
 * kinds a real server's v2 document lacks.
 */
export function openApiV2(accept: string): { body: Buffer; contentType: string } {
  if (accept.includes('protobuf')) {
    const info = Buffer.concat([pbField(1, Buffer.from('Kubernetes')), pbField(2, Buffer.from(K8S_VERSION))]);
    return { body: Buffer.concat([pbField(1, Buffer.from('2.0')), pbField(2, info)]), contentType: 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf' };
  }
  return { body: Buffer.from(JSON.stringify({ swagger: '2.0', info: { title: 'Kubernetes', version: K8S_VERSION }, paths: {} })), contentType: 'application/json' };
}

/** Serves /openapi/v3 and /openapi/v3/<gv path>; documents are rebuilt when discovery changes. */
export class OpenApi {
  private built = -1;
  private docs = new Map<string, { text: string; hash: string }>();

  constructor(private readonly registry: Registry) {}

  private refresh(): void {
    if (this.built === this.registry.generation) return;
    this.docs = new Map();
    for (const [gv, resources] of this.registry.resourceLists()) {
      const text = JSON.stringify(gvDocument(gv, resources));
      const hash = createHash('sha512').update(text).digest('hex').slice(0, 128).toUpperCase();
      this.docs.set(gvPath(gv), { text, hash });
    }
    this.built = this.registry.generation;
  }

  root(): string {
    this.refresh();
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const [p, d] of this.docs) paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${d.hash}` };
    return JSON.stringify({ paths });
  }

  document(gvPathText: string): string | undefined {
    this.refresh();
    return this.docs.get(gvPathText)?.text;
  }
}
