/** Bearer-token authentication: the lab's admin and read-only tokens, and service-account tokens (RBAC decides for those). */
import { timingSafeEqual } from 'node:crypto';
import { errors } from './errors.ts';
import { verifyToken, type ServiceAccountUser } from './service-accounts.ts';

export interface Tokens {
  admin: string;
  readonly: string;
}

export interface User {
  name: string;
  canWrite: boolean;
  /** Set for a service-account token: every request is then authorized by RBAC. */
  serviceAccount?: ServiceAccountUser;
}

const equal = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** The user a request's Authorization header names; a 401 Status without a known token. */
export function authenticate(header: string | undefined, tokens: Tokens, serviceAccountKey?: string): User {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (m) {
    if (equal(m[1], tokens.admin)) return { name: 'lab-admin', canWrite: true };
    if (equal(m[1], tokens.readonly)) return { name: 'lab-readonly', canWrite: false };
    const sa = serviceAccountKey ? verifyToken(serviceAccountKey, m[1]) : undefined;
    if (sa) return { name: sa.name, canWrite: true, serviceAccount: sa };
  }
  throw errors.unauthorized();
}

export const READ_VERBS = new Set(['get', 'list', 'watch']);
