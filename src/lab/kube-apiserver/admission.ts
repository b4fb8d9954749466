/**
 * Admission webhooks, called as kube-apiserver calls them: every create, update and delete is
 * matched against the MutatingWebhookConfigurations (in name order; their JSONPatch responses
 * applied) and then the ValidatingWebhookConfigurations (rules, scope, namespaceSelector,
 * objectSelector), and sent as an AdmissionReview (v1) over HTTPS with the webhook's caBundle.
 * A denial is the webhook's Status; a webhook that cannot be called fails the request when its
 * failurePolicy is Fail (the default) and is skipped when it is Ignore.
 *
 * A `url` client config is called as written. A `service` one resolves to the Service's
 * endpoints: a loopback address (127.0.0.1, a webhook server run by the test or the user on the
 * lab's host) is called; any other address is a lab pod, which runs no process, so the call is
 * refused as a real cluster refuses a webhook whose pods do not serve.
 */
import { randomUUID } from 'node:crypto';
import https from 'node:https';
import { ApiError, errors } from './errors.ts';
import { jsonPatch } from './patch.ts';
import type { ResourceInfo } from './registry.ts';
import { selectorMatches } from './validation.ts';
import type { KubeObject, Store } from './storage.ts';

type Json = Record<string, any>;

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE';

export interface AdmissionRequest {
  info: ResourceInfo;
  operation: Operation;
  namespace?: string;
  name: string;
  object?: KubeObject;
  oldObject?: KubeObject;
  subresource?: string;
  dryRun?: boolean;
  user?: string;
}

const ADMISSION_GROUP = 'admissionregistration.k8s.io';
const EXEMPT = new Set(['validatingwebhookconfigurations', 'mutatingwebhookconfigurations', 'validatingadmissionpolicies', 'validatingadmissionpolicybindings']);

async function listAll(store: Store, prefix: string): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  let startKey: string | undefined;
  let revision: number | undefined;
  for (;;) {
    const page = await store.list(prefix, { startKey, revision });
    revision = page.revision;
    out.push(...page.items.map((i) => i.object));
    if (!page.nextKey) return out;
    startKey = page.nextKey;
  }
}

const listMatch = (list: string[] | undefined, value: string) => (list ?? []).includes('*') || (list ?? []).includes(value);

function resourceMatches(patterns: string[] | undefined, resource: string, sub: string | undefined): boolean {
  for (const p of patterns ?? []) {
    if (p === '*/*') return true;
    const [r, s] = p.split('/');
    if (sub === undefined ? s === undefined && (r === '*' || r === resource) : s !== undefined && (r === '*' || r === resource) && (s === '*' || s === sub)) return true;
  }
  return false;
}

function ruleMatches(rule: Json, req: AdmissionRequest, equivalent: boolean): boolean {
  const { info } = req;
  if (!listMatch(rule.operations, req.operation)) return false;
  if (!listMatch(rule.apiGroups, info.group)) return false;
  if (!listMatch(rule.apiVersions, info.version) && !equivalent) return false;
  if (!resourceMatches(rule.resources, info.resource, req.subresource)) return false;
  const scope = rule.scope ?? '*';
  if (scope === 'Cluster' && info.namespaced) return false;
  if (scope === 'Namespaced' && !info.namespaced) return false;
  return true;
}

export class Admission {
  constructor(private readonly store: Store) {}

  private async namespaceLabels(req: AdmissionRequest): Promise<Record<string, string> | undefined> {
    if (req.info.group === '' && req.info.resource === 'namespaces') return (req.object ?? req.oldObject)?.metadata?.labels ?? {};
    if (!req.info.namespaced || !req.namespace) return undefined;
    return (await this.store.get(`/registry/namespaces/${req.namespace}`))?.object.metadata.labels ?? {};
  }

  private async matching(resource: string, req: AdmissionRequest): Promise<{ config: KubeObject; hook: Json }[]> {
    if (req.info.group === ADMISSION_GROUP && EXEMPT.has(req.info.resource)) return [];
    const configs = (await listAll(this.store, `/registry/${resource}/`)).sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
    if (configs.length === 0) return [];
    const nsLabels = await this.namespaceLabels(req);
    const out: { config: KubeObject; hook: Json }[] = [];
    for (const config of configs) {
      for (const hook of config.webhooks ?? []) {
        const equivalent = (hook.matchPolicy ?? 'Equivalent') === 'Equivalent';
        if (!(hook.rules ?? []).some((r: Json) => ruleMatches(r, req, equivalent))) continue;
        if (nsLabels !== undefined && hook.namespaceSelector && !selectorMatches(hook.namespaceSelector, nsLabels)) continue;
        const objectLabels = [req.object?.metadata?.labels, req.oldObject?.metadata?.labels].filter((l) => l !== undefined);
        if (hook.objectSelector && Object.keys(hook.objectSelector).length > 0) {
          const candidates = objectLabels.length ? objectLabels : [{}];
          if (!candidates.some((l) => selectorMatches(hook.objectSelector, l))) continue;
        }
        out.push({ config, hook });
      }
    }
    return out;
  }

  /** Runs the mutating webhooks; returns the object as they left it. */
  async mutate(req: AdmissionRequest): Promise<KubeObject | undefined> {
    let object = req.object;
    for (const { hook } of await this.matching('mutatingwebhookconfigurations', req)) {
      const response = await this.call(hook, { ...req, object });
      if (!response) continue;
      if (response.patch && object) {
        if (response.patchType !== 'JSONPatch') throw errors.internal(`mutating webhook "${hook.name}" returned a patch of unknown type ${response.patchType}`);
        let ops: unknown;
        try {
          ops = JSON.parse(Buffer.from(String(response.patch), 'base64').toString('utf8'));
        } catch (e) {
          throw errors.internal(`failed calling webhook "${hook.name}": the patch is not JSON: ${(e as Error).message}`);
        }
        object = jsonPatch(object, ops) as KubeObject;
      }
    }
    return object;
  }

  /** Runs the validating webhooks; throws the first denial or failure. */
  async validate(req: AdmissionRequest): Promise<void> {
    const hooks = await this.matching('validatingwebhookconfigurations', req);
    const results = await Promise.allSettled(hooks.map(({ hook }) => this.call(hook, req)));
    for (const r of results) if (r.status === 'rejected') throw r.reason;
  }

  /** One call; the response when allowed, undefined when skipped (Ignore); throws when denied or failed (Fail). */
  private async call(hook: Json, req: AdmissionRequest): Promise<Json | undefined> {
    const versions: string[] = hook.admissionReviewVersions ?? ['v1'];
    const version = versions.includes('v1') ? 'v1' : versions.includes('v1beta1') ? 'v1beta1' : undefined;
    const fail = (message: string): undefined => {
      if ((hook.failurePolicy ?? 'Fail') === 'Ignore') return undefined;
      throw errors.internal(`failed calling webhook "${hook.name}": ${message}`);
    };
    if (!version) return fail(`webhook does not accept known AdmissionReview versions (${versions.join(', ')})`);
    if (req.dryRun && !['None', 'NoneOnDryRun'].includes(hook.sideEffects)) {
      throw new ApiError(400, 'BadRequest', `admission webhook "${hook.name}" does not support dry run`);
    }
    const timeout = Math.min(Math.max(Number(hook.timeoutSeconds ?? 10), 1), 30);
    const target = await this.resolve(hook.clientConfig ?? {}, timeout);
    if (typeof target === 'string') return fail(target);
    const { info } = req;
    const uid = randomUUID();
    const gvk = { group: info.group, version: info.version, kind: info.kind };
    const gvr = { group: info.group, version: info.version, resource: info.resource };
    const review = {
      apiVersion: `admission.k8s.io/${version}`,
      kind: 'AdmissionReview',
      request: {
        uid,
        kind: gvk,
        resource: gvr,
        ...(req.subresource ? { subResource: req.subresource } : {}),
        requestKind: gvk,
        requestResource: gvr,
        ...(req.subresource ? { requestSubResource: req.subresource } : {}),
        name: req.name,
        ...(req.namespace ? { namespace: req.namespace } : {}),
        operation: req.operation,
        userInfo: { username: req.user ?? 'system:kube-controller-manager', groups: ['system:authenticated'] },
        object: req.operation === 'DELETE' ? null : (req.object ?? null),
        oldObject: req.oldObject ?? null,
        dryRun: req.dryRun === true,
        options: { apiVersion: 'meta.k8s.io/v1', kind: req.operation === 'CREATE' ? 'CreateOptions' : req.operation === 'UPDATE' ? 'UpdateOptions' : 'DeleteOptions' },
      },
    };
    let reply: { status: number; body: string };
    try {
      reply = await post(target, JSON.stringify(review), timeout);
    } catch (e) {
      return fail(`failed to call webhook: Post "${target.display}": ${(e as Error).message}`);
    }
    if (reply.status < 200 || reply.status >= 300) return fail(`failed to call webhook: the server responded with the status code ${reply.status} but did not return an AdmissionReview`);
    let response: Json;
    try {
      response = JSON.parse(reply.body)?.response;
    } catch {
      return fail('received invalid webhook response: the body is not JSON');
    }
    if (!response || typeof response.allowed !== 'boolean') return fail('received invalid webhook response: expected response.allowed');
    if (response.uid !== uid) return fail(`expected response.uid="${uid}", got "${response.uid ?? ''}"`);
    if (!response.allowed) throw denial(hook.name, response.status);
    return response;
  }

  /** Where a client config points: the address to dial and the URL to show, or why it cannot be called. */
  private async resolve(config: Json, timeout: number): Promise<Target | string> {
    const ca = config.caBundle ? Buffer.from(String(config.caBundle), 'base64').toString('utf8') : undefined;
    if (config.url) {
      let url: URL;
      try {
        url = new URL(String(config.url));
      } catch {
        return `failed to call webhook: invalid URL "${config.url}"`;
      }
      url.searchParams.set('timeout', `${timeout}s`);
      return { host: url.hostname, port: Number(url.port || 443), servername: url.hostname, path: url.pathname + url.search, ca, display: url.toString() };
    }
    const svc = config.service ?? {};
    const port = Number(svc.port ?? 443);
    const path = `${svc.path ?? '/'}?timeout=${timeout}s`;
    const host = `${svc.name}.${svc.namespace}.svc`;
    const display = `https://${host}:${port}${path}`;
    const service = await this.store.get(`/registry/services/specs/${svc.namespace}/${svc.name}`);
    if (!service) return `failed to call webhook: Post "${display}": service "${svc.name}" not found`;
    const spec = service.object.spec ?? {};
    const servicePort = (spec.ports ?? []).find((p: Json) => p.port === port);
    const endpoints = await this.store.get(`/registry/services/endpoints/${svc.namespace}/${svc.name}`);
    for (const subset of endpoints?.object.subsets ?? []) {
      const epPort =
        (subset.ports ?? []).find((p: Json) => servicePort?.name !== undefined && p.name === servicePort.name) ??
        (subset.ports ?? []).find((p: Json) => typeof servicePort?.targetPort === 'number' && p.port === servicePort.targetPort) ??
        (subset.ports ?? [])[0];
      const address = (subset.addresses ?? []).find((a: Json) => a.ip === '127.0.0.1' || a.ip === '::1');
      if (address && epPort) return { host: address.ip, port: Number(epPort.port), servername: host, path, ca, display };
    }
    return `failed to call webhook: Post "${display}": dial tcp ${spec.clusterIP ?? '10.96.0.1'}:${port}: connect: connection refused`;
  }
}

interface Target {
  host: string;
  port: number;
  servername: string;
  path: string;
  ca?: string;
  display: string;
}

function post(target: Target, body: string, timeoutSeconds: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: target.host,
        port: target.port,
        servername: /^[\d.]+$|:/.test(target.servername) ? undefined : target.servername,
        path: target.path,
        method: 'POST',
        ca: target.ca,
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Content-Length': Buffer.byteLength(body) },
        timeout: timeoutSeconds * 1000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('context deadline exceeded')));
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNREFUSED') reject(new Error(`dial tcp ${target.host}:${target.port}: connect: connection refused`));
      else if (/certificate|self[- ]signed|CERT|unable to verify/i.test(`${e.code} ${e.message}`)) reject(new Error(`tls: failed to verify certificate: x509: certificate signed by unknown authority`));
      else reject(e);
    });
    req.end(body);
  });
}

/** A webhook's denial, as kube-apiserver's webhookerrors.ToStatusErr makes it. */
function denial(name: string, status: Json | undefined): ApiError {
  const deniedBy = `admission webhook "${name}" denied the request`;
  const code = Number(status?.code) >= 400 ? Number(status?.code) : 400;
  const message = status?.message ? `${deniedBy}: ${status.message}` : status?.reason ? `${deniedBy}: ${status.reason}` : `${deniedBy} without explanation`;
  return new ApiError(code, String(status?.reason ?? ''), message, status?.details);
}
