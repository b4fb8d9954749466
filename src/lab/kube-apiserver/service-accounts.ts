/**
 * Service-account tokens the lab's API server issues (TokenRequest, the kubelet's projected
 * token) and accepts: JWTs with kube-apiserver's claims, signed with a key of the server's own
 * (HS256 here, where kube-apiserver signs RS256 with its service-account key), and RBAC for the
 * users they name, evaluated from the Roles, ClusterRoles and their bindings in the cache.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Cache } from './cache.ts';
import { errors } from './errors.ts';
import type { ObjectApi } from './objects.ts';
import type { Registry } from './registry.ts';

export const ISSUER = 'https://kubernetes.default.svc.cluster.local';
const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

export interface ServiceAccountUser {
  name: string;
  groups: string[];
  namespace: string;
}

export interface TokenBinding {
  namespace: string;
  serviceAccount: { name: string; uid: string };
  pod?: { name: string; uid: string };
  node?: { name: string; uid: string };
}

export function signToken(key: string, binding: TokenBinding, audiences: string[], expirationSeconds: number, now = Date.now()): { token: string; expires: Date } {
  const iat = Math.floor(now / 1000);
  const exp = iat + expirationSeconds;
  const claims = {
    aud: audiences,
    exp,
    iat,
    iss: ISSUER,
    jti: createHmac('sha256', key).update(`${iat}/${binding.serviceAccount.uid}/${Math.random()}`).digest('hex').slice(0, 36),
    'kubernetes.io': {
      namespace: binding.namespace,
      ...(binding.node ? { node: binding.node } : {}),
      ...(binding.pod ? { pod: binding.pod } : {}),
      serviceaccount: binding.serviceAccount,
    },
    nbf: iat,
    sub: `system:serviceaccount:${binding.namespace}:${binding.serviceAccount.name}`,
  };
  const unsigned = `${b64url({ alg: 'HS256', kid: 'lab' })}.${b64url(claims)}`;
  return { token: `${unsigned}.${createHmac('sha256', key).update(unsigned).digest('base64url')}`, expires: new Date(exp * 1000) };
}

/** The service account a token names, when its signature is ours and it has not expired. */
export function verifyToken(key: string, token: string, now = Date.now()): ServiceAccountUser | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const expected = createHmac('sha256', key).update(`${parts[0]}.${parts[1]}`).digest();
  const given = Buffer.from(parts[2]!, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  let claims: any;
  try {
    claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof claims.exp !== 'number' || claims.exp * 1000 < now) return undefined;
  const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(String(claims.sub ?? ''));
  if (!m) return undefined;
  return { name: claims.sub, namespace: m[1]!, groups: ['system:serviceaccounts', `system:serviceaccounts:${m[1]}`, 'system:authenticated'] };
}

export interface Attributes {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

function ruleAllows(rule: any, a: Attributes): boolean {
  const has = (list: string[] | undefined, v: string) => (list ?? []).includes('*') || (list ?? []).includes(v);
  if (!has(rule.verbs, a.verb) || !has(rule.apiGroups, a.group)) return false;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  if (!has(rule.resources, resource) && !(a.subresource && (rule.resources ?? []).includes(`*/${a.subresource}`))) return false;
  return !rule.resourceNames?.length || (a.name !== undefined && rule.resourceNames.includes(a.name));
}

/** RBAC's decision for `user`: any binding (in the namespace, or cluster-wide) whose role has a rule that allows. */
export function rbacAllows(cache: Cache, registry: Registry, user: ServiceAccountUser, a: Attributes): boolean {
  const prefix = (resource: string) => registry.storedResources().find((r) => r.group === 'rbac.authorization.k8s.io' && r.resource === resource)!.prefix;
  const subjectMatches = (s: any) =>
    (s.kind === 'ServiceAccount' && `system:serviceaccount:${s.namespace}:${s.name}` === user.name) ||
    (s.kind === 'User' && s.name === user.name) ||
    (s.kind === 'Group' && user.groups.includes(s.name));
  const rules = (ref: any, namespace?: string): any[] => {
    const key = ref.kind === 'ClusterRole' ? `${prefix('clusterroles')}/${ref.name}` : `${prefix('roles')}/${namespace}/${ref.name}`;
    return cache.get(key)?.object?.rules ?? [];
  };
  for (const b of cache.list(`${prefix('clusterrolebindings')}/`)) {
    if ((b.object.subjects ?? []).some(subjectMatches) && rules(b.object.roleRef).some((r) => ruleAllows(r, a))) return true;
  }
  if (a.namespace) {
    for (const b of cache.list(`${prefix('rolebindings')}/${a.namespace}/`)) {
      if ((b.object.subjects ?? []).some(subjectMatches) && rules(b.object.roleRef, a.namespace).some((r) => ruleAllows(r, a))) return true;
    }
  }
  return false;
}

/** The signing key: derived from the lab's admin token, so it lives as long as the lab's tokens do. */
export function serviceAccountKey(tokens: { admin: string }): string {
  return createHmac('sha256', tokens.admin).update('lab service-account token signing key').digest('hex');
}

export const TOKEN_REQUEST_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/serviceaccounts\/([^/]+)\/token$/;

/** POST serviceaccounts/NAME/token (authentication.k8s.io/v1 TokenRequest), bound to a Pod when boundObjectRef names one. */
export async function tokenRequest(api: ObjectApi, key: string, namespace: string, name: string, body: Buffer): Promise<unknown> {
  const info = (resource: string) => api.registry.storedResources().find((r) => r.group === '' && r.resource === resource)!;
  const sa = await api.get(info('serviceaccounts'), namespace, name);
  let request: any = {};
  try {
    request = body.length ? JSON.parse(body.toString('utf8')) : {};
  } catch {
    throw errors.badRequest('the TokenRequest is not valid JSON');
  }
  const spec = request.spec ?? {};
  const expirationSeconds = Math.max(600, Number(spec.expirationSeconds ?? 3600));
  const binding: TokenBinding = { namespace, serviceAccount: { name, uid: sa.metadata.uid } };
  const ref = spec.boundObjectRef;
  if (ref?.kind === 'Pod') {
    const pod = await api.get(info('pods'), namespace, ref.name);
    if (ref.uid && ref.uid !== pod.metadata.uid) throw errors.badRequest(`the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
    binding.pod = { name: pod.metadata.name, uid: pod.metadata.uid };
  }
  const audiences = spec.audiences?.length ? spec.audiences : [ISSUER];
  const { token, expires } = signToken(key, binding, audiences, expirationSeconds);
  return {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name, namespace, creationTimestamp: null },
    spec: { audiences, expirationSeconds, boundObjectRef: ref ?? null },
    status: { token, expirationTimestamp: expires.toISOString().replace(/\.\d+Z$/, 'Z') },
  };
}
