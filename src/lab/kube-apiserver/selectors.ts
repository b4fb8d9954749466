/** Label and field selectors, as `?labelSelector=` and `?fieldSelector=` spell them. */
import { errors } from './errors.ts';
import type { KubeObject } from './storage.ts';

type Requirement =
  | { op: 'eq' | 'neq'; key: string; values: string[] }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | 'notexists'; key: string; values: string[] };

/** Splits on commas outside parentheses. */
function splitTerms(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((t) => t.trim()).filter((t) => t.length > 0);
}

export function parseLabelSelector(selector: string): Requirement[] {
  const reqs: Requirement[] = [];
  for (const term of splitTerms(selector)) {
    let m: RegExpExecArray | null;
    if ((m = /^([^\s!=()]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term))) {
      reqs.push({ op: m[2] as 'in' | 'notin', key: m[1], values: m[3].split(',').map((v) => v.trim()).filter((v) => v !== '' || true) });
    } else if ((m = /^([^\s!=()]+)\s*(==|!=|=)\s*([^\s=!(),]*)$/.exec(term))) {
      reqs.push({ op: m[2] === '!=' ? 'neq' : 'eq', key: m[1], values: [m[3]] });
    } else if ((m = /^!\s*([^\s!=()]+)$/.exec(term))) {
      reqs.push({ op: 'notexists', key: m[1], values: [] });
    } else if ((m = /^([^\s!=()]+)$/.exec(term))) {
      reqs.push({ op: 'exists', key: m[1], values: [] });
    } else {
      throw errors.badRequest(`unable to parse requirement: found '${term}', expected: identifier, '=', '==', '!=', 'in', 'notin' or '!'`);
    }
  }
  return reqs;
}

function matches(reqs: Requirement[], get: (key: string) => string | undefined): boolean {
  return reqs.every((r) => {
    const v = get(r.key);
    switch (r.op) {
      case 'eq':
        return v === r.values[0];
      case 'neq':
        return v !== r.values[0];
      case 'in':
        return v !== undefined && r.values.includes(v);
      case 'notin':
        return v === undefined || !r.values.includes(v);
      case 'exists':
        return v !== undefined;
      case 'notexists':
        return v === undefined;
    }
  });
}

export function parseFieldSelector(selector: string): Requirement[] {
  const reqs: Requirement[] = [];
  for (const term of splitTerms(selector)) {
    const m = /^([^\s!=]+)\s*(==|!=|=)\s*(.*)$/.exec(term);
    if (!m) throw errors.badRequest(`invalid selector: '${selector}'; can't understand '${term}'`);
    reqs.push({ op: m[2] === '!=' ? 'neq' : 'eq', key: m[1], values: [m[3]] });
  }
  return reqs;
}

const FIELD_GETTERS: Record<string, (o: KubeObject) => string | undefined> = {
  'metadata.name': (o) => o.metadata?.name,
  'metadata.namespace': (o) => o.metadata?.namespace ?? '',
  'spec.nodeName': (o) => o.spec?.nodeName ?? '',
  'status.phase': (o) => o.status?.phase ?? '',
  'spec.volumeName': (o) => o.spec?.volumeName ?? '',
  type: (o) => o.type,
};

/** A predicate for both selectors; a field selector on an unsupported field is a 400 as on a real server. */
export function objectFilter(labelSelector?: string, fieldSelector?: string, kind = 'object'): (o: KubeObject) => boolean {
  const labels = labelSelector ? parseLabelSelector(labelSelector) : [];
  const fields = fieldSelector ? parseFieldSelector(fieldSelector) : [];
  for (const f of fields) {
    if (!FIELD_GETTERS[f.key]) throw errors.badRequest(`field label not supported: ${f.key}`);
  }
  void kind;
  if (labels.length === 0 && fields.length === 0) return () => true;
  return (o) =>
    matches(labels, (k) => o.metadata?.labels?.[k]) && matches(fields, (k) => FIELD_GETTERS[k](o));
}

/** Whether `labels` match a LabelSelector object ({matchLabels, matchExpressions}). */
export function matchesSelectorObject(selector: any, labels: Record<string, string> | undefined): boolean {
  if (!selector) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = e.key in l;
    if (e.operator === 'In' && !(has && e.values.includes(l[e.key]))) return false;
    if (e.operator === 'NotIn' && has && e.values.includes(l[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return Object.keys(selector.matchLabels ?? {}).length + (selector.matchExpressions ?? []).length > 0;
}

/** A LabelSelector object as the `a=b,c in (d)` text a Scale's status.selector carries. */
export function selectorText(selector: any): string {
  const parts = Object.entries(selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector?.matchExpressions ?? []) {
    if (e.operator === 'In') parts.push(`${e.key} in (${e.values.join(',')})`);
    if (e.operator === 'NotIn') parts.push(`${e.key} notin (${e.values.join(',')})`);
    if (e.operator === 'Exists') parts.push(e.key);
    if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}
