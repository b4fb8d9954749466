// Cron expressions as a CronJob takes them (5 fields, UTC here, the @ macros), checked before a
// schedule is made and used to say when it runs next.
const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};
const FIELDS = [
  ['minute', 0, 59],
  ['hour', 0, 23],
  ['day of month', 1, 31],
  ['month', 1, 12],
  ['day of week', 0, 7],
] as const;

export class CronError extends Error {}

export type Cron = Set<number>[];

export function parseCron(expr: string): Cron {
  const fields = (MACROS[expr.trim()] ?? expr).trim().split(/\s+/);
  if (fields.length !== 5) throw new CronError(`the cron schedule "${expr}" has ${fields.length} fields: give 5 (minute hour day-of-month month day-of-week), e.g. "0 2 * * *"`);
  return fields.map((f, i) => {
    const [label, lo, hi] = FIELDS[i]!;
    const set = new Set<number>();
    for (const part of f.split(',')) {
      const m = /^(\*|\d+)(?:-(\d+))?(?:\/(\d+))?$/.exec(part);
      if (!m) throw new CronError(`the ${label} field "${f}" of "${expr}" is not a number, range (a-b), list (a,b) or step (*/n)`);
      const a = m[1] === '*' ? lo : Number(m[1]);
      const b = m[2] !== undefined ? Number(m[2]) : m[1] === '*' || m[3] ? hi : a;
      const step = m[3] ? Number(m[3]) : 1;
      if (a < lo || b > hi || a > b || step < 1) throw new CronError(`the ${label} field "${f}" of "${expr}" is out of range: ${label} takes ${lo}-${hi}`);
      for (let v = a; v <= b; v += step) set.add(i === 4 && v === 7 ? 0 : v);
    }
    return set;
  });
}

function matches(c: Cron, d: Date): boolean {
  return c[0]!.has(d.getUTCMinutes()) && c[1]!.has(d.getUTCHours()) && c[2]!.has(d.getUTCDate()) && c[3]!.has(d.getUTCMonth() + 1) && c[4]!.has(d.getUTCDay());
}

/** The first scheduled minute after `after` (looks ahead at most a year and a day). */
export function nextRun(expr: string, after: Date): Date | undefined {
  const c = parseCron(expr);
  const end = after.getTime() + 366 * 24 * 3600_000;
  for (let t = Math.floor(after.getTime() / 60_000) * 60_000 + 60_000; t <= end; t += 60_000) {
    if (matches(c, new Date(t))) return new Date(t);
  }
  return undefined;
}
