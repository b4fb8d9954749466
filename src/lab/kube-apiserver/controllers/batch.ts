/** Job -> Pods (complete at completions, failed past backoffLimit); CronJob -> Jobs on its schedule. */
import { errors } from '../errors.ts';
import { now, type Plugin } from '../objects.ts';
import type { KubeObject } from '../storage.ts';
import { benign, controlledBy, controllerOf, type Controller, type ControllerContext, nsKey, ownerRef, splitKey } from './framework.ts';
import { podFromTemplate, podName } from './pods.ts';

/** What the Job strategy does on create: a selector on the Job's uid, and its labels on the template. */
export const jobPlugin: Plugin = {
  prepareCreate(info, object) {
    if (info.group !== 'batch' || info.resource !== 'jobs') return;
    const uid = object.metadata.uid;
    const labels = { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': object.metadata.name, 'controller-uid': uid, 'job-name': object.metadata.name };
    object.spec ??= {};
    if (!object.spec.template?.spec?.containers) {
      throw errors.invalid('Job', 'batch', object.metadata.name, [{ field: 'spec.template.spec.containers', message: 'Required value', reason: 'FieldValueRequired' }]);
    }
    if (!object.spec.manualSelector) object.spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
    object.spec.template.metadata = { ...(object.spec.template.metadata ?? {}), labels: { ...(object.spec.template.metadata?.labels ?? {}), ...labels } };
    object.spec.completions ??= 1;
    object.spec.parallelism ??= 1;
    object.spec.backoffLimit ??= 6;
    object.spec.completionMode ??= 'NonIndexed';
    object.spec.suspend ??= false;
    object.spec.template.spec.restartPolicy ??= 'Never';
  },
};

export function jobController(ctx: ControllerContext): Controller {
  return {
    name: 'job',
    keysFor: (e) => {
      if (ctx.is(e, 'batch', 'jobs')) return [nsKey(e.object)];
      const ref = ctx.is(e, '', 'pods') ? controllerOf(e.object) : undefined;
      return ref?.kind === 'Job' ? [`${e.object.metadata.namespace}/${ref.name}`] : [];
    },
    resync: () => ctx.list('batch', 'jobs').filter((j) => !j.status?.completionTime).map(nsKey),
    async reconcile(key) {
      const [ns, name] = splitKey(key);
      const job = ctx.get('batch', 'jobs', ns, name);
      if (!job || job.metadata.deletionTimestamp || job.status?.completionTime || job.spec?.suspend) return;
      const completions = job.spec?.completions ?? 1;
      const parallelism = job.spec?.parallelism ?? 1;
      const pods = ctx.list('', 'pods', ns).filter((p) => controlledBy(p, job));
      if (job.status?.conditions?.some((c: any) => c.type === 'Failed' && c.status === 'True')) return;
      const succeeded = pods.filter((p) => p.status?.phase === 'Succeeded').length;
      const failed = pods.filter((p) => p.status?.phase === 'Failed').length;
      const active = pods.filter((p) => !['Succeeded', 'Failed'].includes(p.status?.phase) && !p.metadata.deletionTimestamp).length;
      const start = job.status?.startTime ?? now();
      // As the job controller: more failed pods than backoffLimit fails the Job (no new pods).
      if (failed > (job.spec?.backoffLimit ?? 6)) {
        const t = now();
        const status = {
          ...(job.status ?? {}),
          startTime: start,
          active: 0,
          succeeded,
          failed,
          ready: 0,
          terminating: 0,
          uncountedTerminatedPods: {},
          conditions: [
            { type: 'FailureTarget', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', lastProbeTime: t, lastTransitionTime: t },
            { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', lastProbeTime: t, lastTransitionTime: t },
          ],
        };
        await ctx.api.mutate(ctx.info('batch', 'jobs'), ns, name, (o) => ({ ...o, status }), { subresource: 'status' }).catch(benign);
        return;
      }
      const toStart = Math.min(parallelism - active, completions - succeeded - active);
      for (let i = 0; i < toStart; i++) {
        await ctx.api.create(ctx.info('', 'pods'), ns, podFromTemplate(job.spec.template, ns!, podName(name), ownerRef({ ...job, apiVersion: 'batch/v1', kind: 'Job' }))).catch(benign);
      }
      const status: Record<string, unknown> = { startTime: start, active: active + Math.max(0, toStart), succeeded, ...(failed ? { failed } : {}), ready: 0, terminating: 0, uncountedTerminatedPods: {} };
      if (succeeded >= completions) {
        const t = now();
        status.active = 0;
        status.completionTime = t;
        status.conditions = [
          { type: 'SuccessCriteriaMet', status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods', lastProbeTime: t, lastTransitionTime: t },
          { type: 'Complete', status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods', lastProbeTime: t, lastTransitionTime: t },
        ];
      }
      if (JSON.stringify({ ...(job.status ?? {}), ...status }) === JSON.stringify(job.status ?? {})) return;
      await ctx.api.mutate(ctx.info('batch', 'jobs'), ns, name, (o) => ({ ...o, status: { ...(o.status ?? {}), ...status } }), { subresource: 'status' }).catch(benign);
    },
  };
}

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** A 5-field cron schedule as a predicate on a minute (UTC). */
export function parseSchedule(schedule: string): (d: Date) => boolean {
  const fields = (MACROS[schedule.trim()] ?? schedule).trim().split(/\s+/);
  if (fields.length !== 5) throw new Error(`expected 5 fields in schedule "${schedule}"`);
  const ranges = [
    [0, 59],
    [0, 23],
    [1, 31],
    [1, 12],
    [0, 7],
  ];
  const sets = fields.map((f, i) => {
    const [lo, hi] = ranges[i];
    const set = new Set<number>();
    for (const part of f.split(',')) {
      const [range, stepText] = part.split('/');
      const step = stepText ? Number(stepText) : 1;
      let [a, b] = range === '*' || range === '?' ? [lo, hi] : range.split('-').map(Number);
      if (b === undefined) b = stepText ? hi : a;
      if (![a, b, step].every(Number.isFinite)) throw new Error(`bad field "${f}" in schedule "${schedule}"`);
      for (let v = a; v <= b; v += step) set.add(i === 4 && v === 7 ? 0 : v);
    }
    return set;
  });
  return (d) =>
    sets[0].has(d.getUTCMinutes()) && sets[1].has(d.getUTCHours()) && sets[2].has(d.getUTCDate()) && sets[3].has(d.getUTCMonth() + 1) && sets[4].has(d.getUTCDay());
}

/** The latest scheduled minute in (after, until], if any (looks back at most a week). */
export function lastDue(schedule: string, after: Date, until: Date): Date | undefined {
  const matches = parseSchedule(schedule);
  const floor = Math.max(after.getTime(), until.getTime() - 7 * 24 * 3600_000);
  for (let t = Math.floor(until.getTime() / 60_000) * 60_000; t > floor; t -= 60_000) {
    if (matches(new Date(t))) return new Date(t);
  }
  return undefined;
}

export function cronJobController(ctx: ControllerContext): Controller {
  return {
    name: 'cronjob',
    keysFor: (e) => {
      if (ctx.is(e, 'batch', 'cronjobs')) return [nsKey(e.object)];
      const ref = ctx.is(e, 'batch', 'jobs') ? controllerOf(e.object) : undefined;
      return ref?.kind === 'CronJob' ? [`${e.object.metadata.namespace}/${ref.name}`] : [];
    },
    resync: () => ctx.list('batch', 'cronjobs').map(nsKey),
    async reconcile(key) {
      const [ns, name] = splitKey(key);
      const cj = ctx.get('batch', 'cronjobs', ns, name);
      if (!cj || cj.metadata.deletionTimestamp) return;
      const jobs = ctx.list('batch', 'jobs', ns).filter((j) => controlledBy(j, cj));
      const status: Record<string, unknown> = {};
      const failedJob = (j: KubeObject) => (j.status?.conditions ?? []).some((c: any) => c.type === 'Failed' && c.status === 'True');
      const running = jobs.filter((j) => !j.status?.completionTime && !failedJob(j));
      // concurrencyPolicy Forbid: a due run is skipped while one is active (and counts as scheduled).
      const forbidden = cj.spec?.concurrencyPolicy === 'Forbid' && running.length > 0;
      if (!cj.spec?.suspend) {
        const since = new Date(cj.status?.lastScheduleTime ?? cj.metadata.creationTimestamp);
        let due: Date | undefined;
        try {
          due = lastDue(cj.spec?.schedule ?? '', since, new Date());
        } catch {
          return;
        }
        if (due && forbidden) status.lastScheduleTime = due.toISOString().replace(/\.\d+Z$/, 'Z');
        else if (due) {
          const jobName = `${name}-${Math.floor(due.getTime() / 60_000)}`;
          const template: KubeObject = structuredClone(cj.spec?.jobTemplate ?? {});
          await ctx.api.create(ctx.info('batch', 'jobs'), ns, {
            apiVersion: 'batch/v1',
            kind: 'Job',
            metadata: {
              name: jobName,
              namespace: ns,
              labels: template.metadata?.labels,
              annotations: { ...(template.metadata?.annotations ?? {}), 'batch.kubernetes.io/cronjob-scheduled-timestamp': due.toISOString().replace(/\.\d+Z$/, 'Z') },
              ownerReferences: [ownerRef({ ...cj, apiVersion: 'batch/v1', kind: 'CronJob' })],
            },
            spec: template.spec,
          }).catch(benign);
          status.lastScheduleTime = due.toISOString().replace(/\.\d+Z$/, 'Z');
        }
      }
      const finished = jobs.filter((j) => j.status?.completionTime).sort((a, b) => String(b.status.completionTime).localeCompare(String(a.status.completionTime)));
      const failures = jobs.filter(failedJob).sort((a, b) => String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)));
      for (const old of [...finished.slice(cj.spec?.successfulJobsHistoryLimit ?? 3), ...failures.slice(cj.spec?.failedJobsHistoryLimit ?? 1)]) {
        await ctx.api.delete(ctx.info('batch', 'jobs'), ns, old.metadata.name, { propagationPolicy: 'Background' }).catch(benign);
      }
      if (finished[0]) status.lastSuccessfulTime = finished[0].status.completionTime;
      const active = running.map((j) => ({ apiVersion: 'batch/v1', kind: 'Job', name: j.metadata.name, namespace: ns, uid: j.metadata.uid }));
      if (active.length) status.active = active;
      const next = { ...(cj.status ?? {}), ...status };
      if (!active.length) delete next.active;
      if (JSON.stringify(next) === JSON.stringify(cj.status ?? {})) return;
      await ctx.api.mutate(ctx.info('batch', 'cronjobs'), ns, name, (o) => ({ ...o, status: next }), { subresource: 'status' }).catch(benign);
    },
  };
}
