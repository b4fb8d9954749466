/**
 * The token controller, for Secrets of type kubernetes.io/service-account-token that users make:
 * it fills in `token`, `ca.crt` and `namespace` and the ServiceAccount's uid annotation, and
 * deletes such a Secret whose ServiceAccount does not exist (as kube-controller-manager does).
 * The token is a JWT-shaped string signed by nothing: nothing in the lab checks it.
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from '../storage.ts';
import { benign, type Controller, type ControllerContext, nsKey, splitKey } from './framework.ts';

const TOKEN_TYPE = 'kubernetes.io/service-account-token';
const SA_NAME = 'kubernetes.io/service-account.name';
const SA_UID = 'kubernetes.io/service-account.uid';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

function token(secret: KubeObject, sa: KubeObject): string {
  const claims = {
    iss: 'kubernetes/serviceaccount',
    'kubernetes.io/serviceaccount/namespace': secret.metadata.namespace,
    'kubernetes.io/serviceaccount/secret.name': secret.metadata.name,
    'kubernetes.io/serviceaccount/service-account.name': sa.metadata.name,
    'kubernetes.io/serviceaccount/service-account.uid': sa.metadata.uid,
    sub: `system:serviceaccount:${secret.metadata.namespace}:${sa.metadata.name}`,
  };
  const signature = createHash('sha256').update(JSON.stringify(claims) + secret.metadata.uid).digest('base64url');
  return `${b64url({ alg: 'RS256', kid: 'lab' })}.${b64url(claims)}.${signature}`;
}

export function tokenController(ctx: ControllerContext): Controller {
  const tokenSecrets = (ns?: string) => ctx.list('', 'secrets', ns).filter((s) => s.type === TOKEN_TYPE);
  return {
    name: 'token',
    keysFor: (e) => {
      if (ctx.is(e, '', 'secrets') && e.type === 'put' && e.object.type === TOKEN_TYPE) return [nsKey(e.object)];
      if (ctx.is(e, '', 'serviceaccounts')) {
        return tokenSecrets(e.object.metadata.namespace).filter((s) => s.metadata.annotations?.[SA_NAME] === e.object.metadata.name).map(nsKey);
      }
      return [];
    },
    resync: () => tokenSecrets().map(nsKey),
    async reconcile(key) {
      const [ns, name] = splitKey(key);
      const secret = ctx.get('', 'secrets', ns, name);
      if (!secret || secret.type !== TOKEN_TYPE || secret.metadata.deletionTimestamp) return;
      const info = ctx.info('', 'secrets');
      const saName = secret.metadata.annotations?.[SA_NAME];
      const sa = saName ? ctx.get('', 'serviceaccounts', ns, saName) : undefined;
      const wantedUid = secret.metadata.annotations?.[SA_UID];
      if (!sa || (wantedUid && wantedUid !== sa.metadata.uid)) {
        await ctx.api.delete(info, ns, name).catch(benign);
        return;
      }
      const data = { ...(secret.data ?? {}) };
      data['ca.crt'] ??= b64(ctx.options.caCert);
      data.namespace ??= b64(ns ?? '');
      data.token ??= b64(token(secret, sa));
      if (JSON.stringify(data) === JSON.stringify(secret.data ?? {}) && wantedUid === sa.metadata.uid) return;
      await ctx.api
        .mutate(info, ns, name, (o) => {
          o.data = { ...(o.data ?? {}), ...data };
          o.metadata.annotations = { ...(o.metadata.annotations ?? {}), [SA_UID]: sa.metadata.uid };
          return o;
        })
        .catch(benign);
    },
  };
}
