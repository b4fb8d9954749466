// Errors that say the request itself is wrong (a name that does not exist, a value that cannot be
// read), as opposed to something failing while doing it. The CLI gives them exit code 2 and the
// TUI shows them as a message; both word them the same, since the engine names the thing.

/** What was asked for does not exist or cannot be read: nothing was done. */
export class InvalidRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRequestError';
  }
}

/** "did you mean 'x'?" for the candidate closest to `name` (a typo or a case slip), or ''. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const best = closest(name, candidates);
  return best ? `: did you mean '${best}'?` : '';
}

/** The candidate within a small edit distance of `name` (ignoring case), or undefined. */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  const want = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(want.length / 3)) + 1;
  for (const c of new Set(candidates)) {
    const d = editDistance(want, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 4) return Infinity;
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      // A swap of two neighbours counts as one slip.
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) cur[j] = Math.min(cur[j]!, before[j - 2]! + 1);
    }
    before = prev;
    prev = cur;
  }
  return prev[b.length]!;
}

/** The first line of an error's message (a gRPC error's details), for warnings, job failures and reasons. */
export function errorLine(e: unknown): string {
  const err = e as { message?: string; details?: string };
  return String(err?.details || err?.message || e).split('\n')[0]!;
}
