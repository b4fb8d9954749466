/** Bearer-token authentication and the two roles the lab has: admin and read-only. */
import { timingSafeEqual } from 'node:crypto';
import { errors } from './errors.ts';

export interface Tokens {
  admin: string;
  readonly: string;
}

export interface User {
  name: string;
  canWrite: boolean;
}

const equal = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** The user a request's Authorization header names; a 401 Status without a known token. */
export function authenticate(header: string | undefined, tokens: Tokens): User {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (m) {
    if (equal(m[1], tokens.admin)) return { name: 'lab-admin', canWrite: true };
    if (equal(m[1], tokens.readonly)) return { name: 'lab-readonly', canWrite: false };
  }
  throw errors.unauthorized();
}

export const READ_VERBS = new Set(['get', 'list', 'watch']);
