// A line diff of two objects as YAML (keys sorted), for the plan's "what would change".
import yaml from 'js-yaml';
import { redactSecret } from '../kube/redact.ts';

export function toYaml(obj: unknown): string {
  return yaml.dump(obj, { sortKeys: true, lineWidth: -1, noRefs: true });
}

/** The longest common subsequence table, walked back into -/+/space lines. */
function lineDiff(a: string[], b: string[]): string[] {
  const n = a.length;
  const m = b.length;
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push(`  ${a[i++]}`);
      j++;
    } else if (j < m && (i >= n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) out.push(`+ ${b[j++]}`);
    else out.push(`- ${a[i++]}`);
  }
  return out;
}

/**
 * The changed lines of `after` against `before`, with `context` lines around each change and
 * `...` between hunks; empty when they are the same.
 */
export function diffObjects(before: unknown, after: unknown, context = 2): string {
  // Secret values never reach the screen: a changed value shows as a changed hash.
  const a = toYaml(redactSecret(before)).trimEnd().split('\n');
  const b = toYaml(redactSecret(after)).trimEnd().split('\n');
  if (a.join('\n') === b.join('\n')) return '';
  if (a.length * b.length > 4_000_000) return `- (${a.length} lines)\n+ (${b.length} lines): too large to compare line by line`;
  const lines = lineDiff(a, b);
  const keep = new Set<number>();
  lines.forEach((l, k) => {
    if (l[0] === ' ') return;
    for (let c = Math.max(0, k - context); c <= Math.min(lines.length - 1, k + context); c++) keep.add(c);
  });
  const out: string[] = [];
  let last = -1;
  for (const k of [...keep].sort((x, y) => x - y)) {
    if (last >= 0 && k > last + 1) out.push('  ...');
    out.push(lines[k]!);
    last = k;
  }
  return out.join('\n');
}
