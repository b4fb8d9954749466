import { UsageError } from './errors.ts';

/** A repeatable, comma-separable flag's values (`-n a,b -n c` is a, b, c); undefined when none. */
export function listFlag(v: unknown): string[] | undefined {
  const items = (Array.isArray(v) ? v : v === undefined ? [] : [v])
    .flatMap((x) => String(x).split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length ? items : undefined;
}

/** A numeric flag's value, or undefined when absent; anything else than a number in range is exit 2. */
export function numberFlag(v: unknown, flag: string, opts: { min?: number; integer?: boolean } = {}): number | undefined {
  if (v === undefined) return undefined;
  const text = String(v).trim();
  const n = Number(text);
  const min = opts.min ?? 0;
  if (text === '' || !Number.isFinite(n) || (opts.integer && !Number.isInteger(n)) || n < min) {
    throw new UsageError(`${flag} takes ${opts.integer ? 'a whole number' : 'a number'}${min > 0 ? ` of at least ${min}` : min === 0 ? ' (0 or more)' : ''}, not '${text}'`);
  }
  return n;
}
