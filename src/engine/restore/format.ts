// A plan and a report as lines for a person (the CLI's dry run and final report), and the
// counts per kind and verb the wizard's review step shows.
import type { RestoreReport } from './restore.ts';
import type { PlanAction, RestorePlan } from './types.ts';

/** What the counts group by: the object's kind, or the source. */
export function actionGroup(a: PlanAction): string {
  return a.source === 'objects' ? a.ref.kind : a.source;
}

/** Counts per group (kind or source) and verb, in plan order. */
export function planCounts(plan: RestorePlan): { group: string; verbs: Record<string, number> }[] {
  const out = new Map<string, Record<string, number>>();
  for (const a of plan.actions) {
    const g = actionGroup(a);
    const verbs = out.get(g) ?? {};
    verbs[a.verb] = (verbs[a.verb] ?? 0) + 1;
    out.set(g, verbs);
  }
  return [...out].map(([group, verbs]) => ({ group, verbs }));
}

/** The plan as text: counts, then every action with its reason, changes and diff. */
export function formatPlan(plan: RestorePlan, opts: { diffs?: boolean; changes?: boolean } = {}): string[] {
  const lines: string[] = [];
  lines.push(`restore plan for snapshot ${plan.snapshot.short} (${plan.snapshot.time.slice(0, 19).replace('T', ' ')}, ${plan.snapshot.hostname})`);
  lines.push('');
  lines.push('counts:');
  for (const { group, verbs } of planCounts(plan)) {
    lines.push(`  ${group.padEnd(34)} ${Object.entries(verbs).map(([v, n]) => `${v} ${n}`).join(', ')}`);
  }
  lines.push('');
  lines.push('actions:');
  for (const a of plan.actions) {
    lines.push(`  ${a.verb.padEnd(9)} ${a.title}: ${a.reason}`);
    if (opts.changes !== false && a.source === 'objects' && a.verb !== 'skip') for (const c of a.changes) lines.push(`              ~ ${c}`);
    if (opts.diffs !== false && a.source === 'objects' && a.diff) for (const d of a.diff.split('\n')) lines.push(`              ${d}`);
    if (a.source === 'etcd' && a.verb === 'restore') a.steps.forEach((s, i) => lines.push(`              then ${i + 1}. ${s}`));
  }
  if (plan.warnings.length) {
    lines.push('');
    for (const w of plan.warnings) lines.push(`warning: ${w}`);
  }
  return lines;
}

const REPORT_ORDER = ['failed', 'created', 'updated', 'recreated', 'restored', 'skipped'] as const;

/** The report as text: every item, failures first and skips last (each with its reason), then totals and notes. */
export function formatReport(report: RestoreReport): string[] {
  const lines: string[] = [];
  for (const outcome of REPORT_ORDER) {
    for (const i of report.items) {
      if (i.outcome === outcome) lines.push(`${i.outcome.toUpperCase().padEnd(9)} ${i.title}${i.reason ? `: ${i.reason}` : ''}`);
    }
  }
  const t = report.totals;
  lines.push(`restore ${report.status}: ${t.created} created, ${t.updated} updated, ${t.recreated} recreated, ${t.restored} restored, ${t.skipped} skipped, ${t.failed} failed`);
  lines.push(...report.notes);
  return lines;
}
