/** A repeatable, comma-separable flag's values (`-n a,b -n c` is a, b, c); undefined when none. */
export function listFlag(v: unknown): string[] | undefined {
  const items = (Array.isArray(v) ? v : v === undefined ? [] : [v])
    .flatMap((x) => String(x).split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length ? items : undefined;
}
