import { InvalidRequestError } from '../errors.ts';

type Requirement = (labels: Record<string, string>) => boolean;

const KEY = String.raw`(?:[A-Za-z0-9][-A-Za-z0-9_.]*\/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?`;
const VALUE = String.raw`(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?`;
const SET = new RegExp(String.raw`^(${KEY})\s+(in|notin)\s+\(\s*(${VALUE}(?:\s*,\s*${VALUE})*)\s*\)$`);
const EQUALITY = new RegExp(String.raw`^(${KEY})\s*(==|=|!=)\s*(${VALUE})$`);
const NOT_EXISTS = new RegExp(String.raw`^!\s*(${KEY})$`);
const EXISTS = new RegExp(String.raw`^(${KEY})$`);

/**
 * A label selector as kubectl and the API server take it: `a=b`, `a==b`, `a!=b`, `a`, `!a`,
 * `a in (x,y)`, `a notin (x)`, comma-separated. One that cannot be read is an InvalidRequestError
 * naming the part, before anything is sent anywhere.
 */
export function parseSelector(selector: string): (labels: Record<string, string> | undefined) => boolean {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  const reqs: Requirement[] = parts.map((raw): Requirement => {
    const p = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = SET.exec(p))) {
      const key = m[1]!;
      const values = m[3]!.split(',').map((s) => s.trim());
      return m[2] === 'in' ? (l) => key in l && values.includes(l[key]!) : (l) => !(key in l) || !values.includes(l[key]!);
    }
    if ((m = EQUALITY.exec(p))) {
      const key = m[1]!;
      const value = m[3]!;
      return m[2] === '!=' ? (l) => l[key] !== value : (l) => l[key] === value;
    }
    if ((m = NOT_EXISTS.exec(p))) {
      const key = m[1]!;
      return (l) => !(key in l);
    }
    if ((m = EXISTS.exec(p))) {
      const key = m[1]!;
      return (l) => key in l;
    }
    throw new InvalidRequestError(
      `cannot read the label selector '${selector}' at '${p}': write key=value, key!=value, key in (a,b), key notin (a), key or !key, comma-separated`,
    );
  });
  return (labels) => reqs.every((r) => r(labels ?? {}));
}
