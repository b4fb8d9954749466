import type { Shape } from './schema.ts';

/** A config problem: the dotted key and what is wrong with it. */
export class ConfigProblem extends Error {
  constructor(
    readonly key: string,
    readonly problem: string,
  ) {
    super(`${key ? `"${shorten(key)}" ` : ''}${problem}`);
  }
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 };

export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  return m ? Number(m[1]) * UNIT_MS[m[2]!]! : undefined;
}

function closest(word: string, choices: string[]): string | undefined {
  const dist = (a: string, b: string) => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)] as number[]);
    for (let j = 1; j <= b.length; j++) d[0]![j] = j;
    for (let i = 1; i <= a.length; i++)
      for (let j = 1; j <= b.length; j++)
        d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    return d[a.length]![b.length]!;
  };
  let best: string | undefined;
  let bestD = 3;
  for (const c of choices) {
    const dd = dist(word.toLowerCase(), c.toLowerCase());
    if (dd < bestD) [best, bestD] = [c, dd];
  }
  return best;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${shorten(JSON.stringify(v))}`;
}

/** A value as an error shows it: a long one (a pasted file, 50 MB) cut, with its length said. */
export function shorten(text: string, max = 80): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

/** Checks `value` against `shape` and returns the normalised value (durations in ms). */
export function validate(value: unknown, shape: Shape, key = ''): unknown {
  if (typeof shape === 'string') {
    switch (shape) {
      case 'string':
        if (typeof value !== 'string') throw new ConfigProblem(key, `must be a string, not ${typeName(value)}`);
        return value;
      case 'number':
        if (typeof value !== 'number' || !Number.isFinite(value))
          throw new ConfigProblem(key, `must be a number, not ${typeName(value)}`);
        return value;
      case 'boolean':
        if (typeof value !== 'boolean') throw new ConfigProblem(key, `must be true or false, not ${typeName(value)}`);
        return value;
      case 'string[]':
        if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
          throw new ConfigProblem(key, `must be a list of strings, not ${typeName(value)}`);
        return value;
      case 'duration': {
        const ms = typeof value === 'string' ? parseDuration(value) : undefined;
        if (ms === undefined) throw new ConfigProblem(key, `must be a duration such as 30m, 24h or 7d, not ${typeName(value)}`);
        return ms;
      }
    }
  }
  if (Array.isArray(shape)) {
    if (!Array.isArray(value)) throw new ConfigProblem(key, `must be a list, not ${typeName(value)}`);
    return value.map((item, i) => validate(item, shape[0], `${key}[${i}]`));
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigProblem(key, `must be a mapping, not ${typeName(value)}`);
  }
  const fields = Object.keys(shape).map((k) => k.replace(/\?$/, ''));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const sub = shape[k] ?? shape[`${k}?`];
    const here = key ? `${key}.${k}` : k;
    if (sub === undefined) {
      const hint = closest(k, fields);
      throw new ConfigProblem(here, `is not a known key${hint ? ` (did you mean "${hint}"?)` : ''}`);
    }
    if (v === null || v === undefined) continue;
    out[k] = validate(v, sub, here);
  }
  for (const k of Object.keys(shape)) {
    if (!k.endsWith('?') && !(k in out)) throw new ConfigProblem(key ? `${key}.${k}` : k, 'is required');
  }
  return out;
}
