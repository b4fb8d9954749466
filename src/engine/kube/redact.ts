import crypto from 'node:crypto';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

// A key made once per process and never kept: within one plan the same value shows the same
// tag (so a diff still says which values changed), but no one can hash a guess ("admin") and
// compare, as they could with a plain hash.
const KEY = crypto.randomBytes(32);

function fingerprint(value: unknown, base64: boolean): string {
  const bytes = typeof value === 'string' ? Buffer.from(value, base64 ? 'base64' : 'utf8') : Buffer.from(JSON.stringify(value ?? null));
  return `(secret: ${bytes.length} bytes, keyed hash ${crypto.createHmac('sha256', KEY).update(bytes).digest('hex').slice(0, 12)})`;
}

/**
 * A copy of an object fit to show: a Secret's values (data, stringData, and the copy kubectl
 * keeps in its last-applied annotation) become their length and a short keyed hash, so a diff
 * still says that a value changed without saying what it is, or confirming a guess of it.
 * Other objects come back as they are.
 */
export function redactSecret<T>(obj: T): T {
  const o = obj as { kind?: string; data?: Record<string, unknown>; stringData?: Record<string, unknown>; metadata?: { annotations?: Record<string, string> } };
  if (!o || typeof o !== 'object' || o.kind !== 'Secret') return obj;
  const copy = structuredClone(o);
  if (copy.data) for (const k of Object.keys(copy.data)) copy.data[k] = fingerprint(copy.data[k], true);
  if (copy.stringData) for (const k of Object.keys(copy.stringData)) copy.stringData[k] = fingerprint(copy.stringData[k], false);
  const annotations = copy.metadata?.annotations;
  if (annotations?.[LAST_APPLIED]) annotations[LAST_APPLIED] = fingerprint(annotations[LAST_APPLIED], false);
  return copy as T;
}
