// Schedules in the cluster: each one a CronJob whose runs are Jobs of the lifeboat image running
// `lifeboat backup` under the read-only backup identity. The cluster's own CronJob controller
// fires them; "run now" makes a Job from the CronJob's template (as kubectl create job --from).
import type { KubeClient } from '../kube/client.ts';
import { applyObject, collectionPath, deleteObject, getObject, listObjects } from './apply.ts';
import { nextRun, parseCron } from './cron.ts';
import { BACKUP_SA, configVolume, lifeboatContainer, PART_OF } from './manifests.ts';

type Obj = Record<string, any>;

export const SCHEDULE_LABEL = 'lifeboat.dev/schedule';
export const KEEP_ANNOTATION = 'lifeboat.dev/keep';
export const cronJobName = (schedule: string) => `lifeboat-${schedule}`;

export interface BackupFilters {
  only?: string[];
  namespaces?: string[];
  resources?: string[];
  excludeResources?: string[];
  selector?: string;
  includeGenerated?: boolean;
}

export interface ScheduleSpec {
  name: string;
  cron: string;
  filters: BackupFilters;
  /** restic's --keep-* policy, applied by maintenance runs. */
  keep: Record<string, number | string>;
  image: string;
  imagePullPolicy?: string;
}

/** Schedule names become object names (lifeboat-<name>, then Job and Pod names after it). */
export function checkScheduleName(name: string): string | undefined {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) return `the schedule name '${name}' must be lower-case letters, digits and '-', starting and ending with a letter or digit`;
  if (name.length > 30) return `the schedule name '${name}' is longer than 30 characters (its Jobs and Pods are named after it)`;
  return undefined;
}

export function backupArgs(name: string, f: BackupFilters): string[] {
  // --json: the run's last log line is the backup's summary (snapshot, status, each source's items and bytes).
  const args = ['backup', '--json', '--tag', `schedule:${name}`];
  for (const o of f.only ?? []) args.push('--only', o);
  for (const n of f.namespaces ?? []) args.push('--namespace', n);
  for (const r of f.resources ?? []) args.push('--resource', r);
  for (const r of f.excludeResources ?? []) args.push('--exclude-resource', r);
  if (f.selector) args.push('--selector', f.selector);
  if (f.includeGenerated) args.push('--include-generated');
  return args;
}

export function scheduleCronJob(ns: string, s: ScheduleSpec): Obj {
  parseCron(s.cron);
  const labels = { ...PART_OF, 'app.kubernetes.io/name': 'lifeboat', 'app.kubernetes.io/component': 'backup', [SCHEDULE_LABEL]: s.name };
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: cronJobName(s.name), namespace: ns, labels, annotations: { [KEEP_ANNOTATION]: JSON.stringify(s.keep) } },
    spec: {
      schedule: s.cron,
      timeZone: 'Etc/UTC',
      // One run at a time per schedule; a run due while one runs is skipped, not queued.
      concurrencyPolicy: 'Forbid',
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        metadata: { labels },
        spec: {
          // A run is one attempt: a failed or partial run is reported, not retried over the same data.
          backoffLimit: 0,
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: BACKUP_SA,
              restartPolicy: 'Never',
              terminationGracePeriodSeconds: 30,
              containers: [lifeboatContainer('backup', s.image, backupArgs(s.name, s.filters), s.imagePullPolicy ?? 'IfNotPresent')],
              volumes: [configVolume()],
            },
          },
        },
      },
    },
  };
}

export async function getSchedule(kube: KubeClient, ns: string, name: string): Promise<Obj | undefined> {
  return getObject(kube, `${collectionPath('batch/v1', 'CronJob', ns)}/${cronJobName(name)}`);
}

export async function applySchedule(kube: KubeClient, ns: string, s: ScheduleSpec): Promise<Obj> {
  return applyObject(kube, scheduleCronJob(ns, s));
}

export async function deleteSchedule(kube: KubeClient, ns: string, name: string): Promise<boolean> {
  return deleteObject(kube, `${collectionPath('batch/v1', 'CronJob', ns)}/${cronJobName(name)}`);
}

/** Starts a run now: a Job from the schedule's template, owned by its CronJob. */
export async function runScheduleNow(kube: KubeClient, ns: string, cronJob: Obj, now = new Date()): Promise<Obj> {
  const name = `${cronJob.metadata.name}-manual-${Math.floor(now.getTime() / 1000).toString(36)}`;
  const template = cronJob.spec.jobTemplate;
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: ns,
      labels: template.metadata?.labels,
      annotations: { 'cronjob.kubernetes.io/instantiate': 'manual' },
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cronJob.metadata.name, uid: cronJob.metadata.uid, controller: true, blockOwnerDeletion: true }],
    },
    spec: template.spec,
  };
  return kube.request<Obj>('POST', collectionPath('batch/v1', 'Job', ns), job);
}

export type RunStatus = 'running' | 'complete' | 'partial' | 'failed';

export interface RunSummary {
  job: string;
  status: RunStatus;
  startTime?: string;
  completionTime?: string;
  /** The backup's exit code (0 complete, 3 partial, else failed). */
  exitCode?: number;
  /** For partial and failed runs: what failed, and why. */
  message?: string;
  snapshot?: string;
  bytes?: number;
  items?: number;
  manual: boolean;
}

interface BackupSummaryLine {
  type: 'summary';
  snapshot: string | null;
  status: string;
  jobs: { kind: string; status: string; items: number; bytes: number; error?: string }[];
}

/** The backup's summary line and any "lifeboat: ..." error line in a run's log. */
export function readRunLog(text: string): { summary?: BackupSummaryLine; errors: string[] } {
  let summary: BackupSummaryLine | undefined;
  const errors: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('{"type":"summary"')) {
      try {
        summary = JSON.parse(line);
      } catch {
        /* cut off */
      }
    } else if (line.startsWith('lifeboat: ')) errors.push(line.slice('lifeboat: '.length).trim());
  }
  return { summary, errors };
}

/** The state of one run, from its Job, its pod's exit code (3 is partial) and the backup's summary. */
export async function runSummary(kube: KubeClient, ns: string, job: Obj): Promise<RunSummary> {
  const cond = (t: string) => (job.status?.conditions ?? []).find((c: Obj) => c.type === t && c.status === 'True');
  const base: RunSummary = {
    job: job.metadata.name,
    status: 'running',
    startTime: job.status?.startTime,
    completionTime: job.status?.completionTime ?? cond('Failed')?.lastTransitionTime,
    manual: job.metadata.annotations?.['cronjob.kubernetes.io/instantiate'] === 'manual',
  };
  const complete = cond('Complete');
  const failed = cond('Failed');
  if (!complete && !failed) return base;
  const pods = await listObjects(kube, `/api/v1/namespaces/${ns}/pods`, `job-name=${job.metadata.name}`);
  const pod = pods.sort((a, b) => String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)))[0];
  const term = pod?.status?.containerStatuses?.[0]?.state?.terminated;
  const exitCode = complete ? 0 : typeof term?.exitCode === 'number' ? term.exitCode : undefined;
  const { summary, errors } = pod ? readRunLog(await podLog(kube, ns, pod.metadata.name)) : { summary: undefined, errors: [] };
  const status: RunStatus = complete ? 'complete' : exitCode === 3 ? 'partial' : 'failed';
  const what = (summary?.jobs ?? []).filter((j) => j.status !== 'ok').map((j) => `FAILED ${j.kind}: ${j.error ?? j.status}`);
  const message = status === 'complete' ? undefined : [...what, ...errors].join('; ') || failed?.message;
  return {
    ...base,
    status,
    exitCode,
    message,
    snapshot: summary?.snapshot ?? undefined,
    bytes: summary ? summary.jobs.reduce((n, j) => n + (j.bytes ?? 0), 0) : undefined,
    items: summary ? summary.jobs.reduce((n, j) => n + (j.items ?? 0), 0) : undefined,
  };
}

/** A pod's log as text (the log endpoint answers text/plain, not JSON). */
async function podLog(kube: KubeClient, ns: string, pod: string): Promise<string> {
  try {
    return await kube.getText(`/api/v1/namespaces/${ns}/pods/${pod}/log?tailLines=20`);
  } catch {
    return '';
  }
}

export interface ScheduleSummary {
  name: string;
  cron: string;
  suspended: boolean;
  keep: Record<string, number | string>;
  args: string[];
  lastScheduleTime?: string;
  nextRun?: string;
  lastRun?: RunSummary;
  lastSuccess?: RunSummary;
  running: string[];
  runs: RunSummary[];
  createdAt: string;
}

export async function listSchedules(kube: KubeClient, ns: string, now = new Date()): Promise<ScheduleSummary[]> {
  const cronJobs = await listObjects(kube, collectionPath('batch/v1', 'CronJob', ns), SCHEDULE_LABEL);
  const jobs = await listObjects(kube, collectionPath('batch/v1', 'Job', ns), SCHEDULE_LABEL);
  const out: ScheduleSummary[] = [];
  for (const cj of cronJobs) {
    const name = cj.metadata.labels[SCHEDULE_LABEL];
    const mine = jobs.filter((j) => j.metadata.labels?.[SCHEDULE_LABEL] === name).sort((a, b) => String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)) || b.metadata.name.localeCompare(a.metadata.name));
    const runs = await Promise.all(mine.map((j) => runSummary(kube, ns, j)));
    let keep = {};
    try {
      keep = JSON.parse(cj.metadata.annotations?.[KEEP_ANNOTATION] ?? '{}');
    } catch {
      /* hand-edited: shown as none */
    }
    let next: Date | undefined;
    try {
      next = cj.spec?.suspend ? undefined : nextRun(cj.spec.schedule, now);
    } catch {
      next = undefined;
    }
    out.push({
      name,
      cron: cj.spec.schedule,
      suspended: cj.spec?.suspend === true,
      keep,
      args: cj.spec.jobTemplate?.spec?.template?.spec?.containers?.[0]?.args ?? [],
      lastScheduleTime: cj.status?.lastScheduleTime,
      nextRun: next?.toISOString(),
      lastRun: runs.find((r) => r.status !== 'running'),
      lastSuccess: runs.find((r) => r.status === 'complete'),
      running: runs.filter((r) => r.status === 'running').map((r) => r.job),
      runs,
      createdAt: cj.metadata.creationTimestamp,
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
