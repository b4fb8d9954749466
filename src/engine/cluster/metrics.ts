// The controller's Prometheus metrics, from what the cluster says about each schedule's runs
// (Jobs, their pods' exit codes and the backups' summaries) and the work items.
import type { RunSummary, ScheduleSummary } from './schedules.ts';

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const seconds = (iso: string | undefined) => (iso ? Date.parse(iso) / 1000 : undefined);

interface Family {
  name: string;
  type: 'gauge' | 'counter';
  help: string;
  samples: [Record<string, string>, number][];
}

function render(families: Family[]): string {
  const out: string[] = [];
  for (const f of families) {
    out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
    for (const [labels, value] of f.samples) {
      const l = Object.entries(labels).map(([k, v]) => `${k}="${esc(v)}"`).join(',');
      out.push(`${f.name}${l ? `{${l}}` : ''} ${Number.isFinite(value) ? value : 'NaN'}`);
    }
  }
  return out.join('\n') + '\n';
}

/** Failed runs counted once each (by Job uid or name) for as long as the controller runs. */
export class FailureCounter {
  private readonly seen = new Map<string, Set<string>>();
  observe(schedule: string, runs: RunSummary[]): void {
    const set = this.seen.get(schedule) ?? new Set<string>();
    for (const r of runs) if (r.status === 'failed' || r.status === 'partial') set.add(r.job);
    this.seen.set(schedule, set);
  }
  count(schedule: string): number {
    return this.seen.get(schedule)?.size ?? 0;
  }
}

export function scheduleMetrics(schedules: ScheduleSummary[], failures: FailureCounter, workItems: { phase?: string; node?: string }[]): string {
  const f = (name: string, type: Family['type'], help: string): Family => ({ name, type, help, samples: [] });
  const info = f('lifeboat_schedule_info', 'gauge', 'One per schedule, with its cron expression.');
  const created = f('lifeboat_schedule_created_timestamp_seconds', 'gauge', 'When the schedule was made (the RPO alert counts from it until a first success).');
  const lastSuccess = f('lifeboat_schedule_last_success_timestamp_seconds', 'gauge', 'End of the last complete run.');
  const lastRun = f('lifeboat_schedule_last_run_timestamp_seconds', 'gauge', 'End of the last run that ended, whatever its result.');
  const lastOk = f('lifeboat_schedule_last_run_success', 'gauge', '1 if the last run that ended was complete, 0 if it was partial or failed.');
  const duration = f('lifeboat_schedule_last_run_duration_seconds', 'gauge', 'How long the last run that ended took.');
  const bytes = f('lifeboat_schedule_last_run_bytes', 'gauge', 'Bytes the last run that ended read from its sources.');
  const items = f('lifeboat_schedule_last_run_items', 'gauge', 'Items the last run that ended backed up.');
  const failed = f('lifeboat_schedule_failures_total', 'counter', 'Partial or failed runs seen since this controller started.');
  const running = f('lifeboat_schedule_running_runs', 'gauge', 'Runs of the schedule in progress.');
  for (const s of schedules) {
    const l = { schedule: s.name };
    failures.observe(s.name, s.runs);
    info.samples.push([{ ...l, cron: s.cron }, 1]);
    const c = seconds(s.createdAt);
    if (c !== undefined) created.samples.push([l, c]);
    const ok = seconds(s.lastSuccess?.completionTime);
    if (ok !== undefined) lastSuccess.samples.push([l, ok]);
    const last = s.lastRun;
    if (last) {
      const end = seconds(last.completionTime);
      const start = seconds(last.startTime);
      if (end !== undefined) lastRun.samples.push([l, end]);
      lastOk.samples.push([l, last.status === 'complete' ? 1 : 0]);
      if (end !== undefined && start !== undefined) duration.samples.push([l, end - start]);
      if (last.bytes !== undefined) bytes.samples.push([l, last.bytes]);
      if (last.items !== undefined) items.samples.push([l, last.items]);
    }
    failed.samples.push([l, failures.count(s.name)]);
    running.samples.push([l, s.running.length]);
  }
  const wi = f('lifeboat_work_items', 'gauge', 'Work items by node and phase.');
  const byKey = new Map<string, number>();
  for (const w of workItems) {
    const k = JSON.stringify([w.node ?? '', w.phase ?? 'Pending']);
    byKey.set(k, (byKey.get(k) ?? 0) + 1);
  }
  for (const [k, n] of byKey) {
    const [node, phase] = JSON.parse(k) as [string, string];
    wi.samples.push([{ node, phase }, n]);
  }
  return render([info, created, lastSuccess, lastRun, lastOk, duration, bytes, items, failed, running, wi]);
}
