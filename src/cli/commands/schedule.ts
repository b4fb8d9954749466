// `lifeboat schedule create|list|delete|run`: backups the cluster takes on its own (CronJobs of
// the lifeboat image, installed by `lifeboat install`).
import type { Command, CommandContext } from '../command.ts';
import { alignColumns } from '../columns.ts';
import { CliError, EXIT, UsageError } from '../errors.ts';
import { listFlag, numberFlag } from '../flags.ts';
import { DEFAULT_IMAGE_REPO } from './image.ts';
import { clusterClient, namespaceFlag } from './install.ts';

const KEEPS = ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const;
const nsOption = { namespace: { type: 'string', short: 'N' } } as const;
const nsHelp = { namespace: 'namespace lifeboat is installed in (default lifeboat-system)' };

async function withCluster<T>(ctx: CommandContext, fn: (kube: Awaited<ReturnType<typeof clusterClient>>['kube'], ns: string) => Promise<T>): Promise<T> {
  const ns = namespaceFlag(ctx);
  const { kube } = await clusterClient(ctx);
  const { getObject } = await import('../../engine/cluster/apply.ts');
  try {
    if (!(await getObject(kube, `/apis/apps/v1/namespaces/${ns}/deployments/lifeboat-controller`))) {
      throw new CliError(`lifeboat is not installed in namespace ${ns} of this cluster: run 'lifeboat install' first (or give -N NAMESPACE)`);
    }
    return await fn(kube, ns);
  } finally {
    kube.close();
  }
}

function age(iso: string | undefined, now: Date): string {
  if (!iso) return '-';
  const s = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

const createCommand: Command = {
  name: 'create',
  summary: 'make (or change) a schedule: a CronJob whose runs back up into the installed repository',
  usage: 'NAME --cron "0 2 * * *"',
  positionals: [1, 1],
  options: {
    ...nsOption,
    cron: { type: 'string' },
    image: { type: 'string' },
    only: { type: 'string', multiple: true },
    'backup-namespace': { type: 'string', short: 'n', multiple: true },
    resource: { type: 'string', multiple: true },
    'exclude-resource': { type: 'string', multiple: true },
    selector: { type: 'string', short: 'l' },
    'include-generated': { type: 'boolean' },
    ...Object.fromEntries(KEEPS.map((k) => [`keep-${k}`, { type: 'string' }])),
  },
  optionHelp: {
    ...nsHelp,
    cron: 'when it runs: 5 cron fields in UTC (minute hour day month weekday) or @daily, @hourly...',
    image: 'lifeboat image for the runs (default: the controller\'s)',
    only: 'only these sources: kubernetes,etcd,volumes,images,prometheus,databases',
    'backup-namespace': 'only these namespaces of the cluster',
    resource: 'only these resources, e.g. deployments.apps,configmaps',
    'exclude-resource': 'leave these resources out',
    selector: 'only objects matching this label selector',
    'include-generated': 'keep Events, Endpoints, Leases and controller-owned Pods and ReplicaSets',
    'keep-last': 'retention: keep the last N snapshots of this schedule',
    'keep-hourly': 'retention: keep the last snapshot of each of N hours',
    'keep-daily': 'retention: keep the last snapshot of each of N days',
    'keep-weekly': 'retention: keep the last snapshot of each of N weeks',
    'keep-monthly': 'retention: keep the last snapshot of each of N months',
    'keep-yearly': 'retention: keep the last snapshot of each of N years',
  },
  async run(ctx) {
    const name = ctx.positionals[0]!;
    const { checkScheduleName, applySchedule } = await import('../../engine/cluster/schedules.ts');
    const { parseCron, nextRun, CronError } = await import('../../engine/cluster/cron.ts');
    const bad = checkScheduleName(name);
    if (bad) throw new UsageError(bad);
    const cron = ctx.values.cron as string | undefined;
    if (!cron) throw new UsageError(`'schedule create ${name}' needs --cron, e.g. --cron "0 2 * * *" (every day at 02:00 UTC)`);
    try {
      parseCron(cron);
    } catch (e) {
      if (e instanceof CronError) throw new UsageError(e.message);
      throw e;
    }
    const { sourceKinds } = await import('../../engine/sources/registry.ts');
    const SOURCE_KINDS = sourceKinds();
    const only = listFlag(ctx.values.only);
    for (const k of only ?? []) if (!SOURCE_KINDS.includes(k as never)) throw new UsageError(`unknown source '${k}' for --only: use ${SOURCE_KINDS.join(', ')}`);
    const keep: Record<string, number | string> = {};
    for (const k of KEEPS) {
      const n = numberFlag(ctx.values[`keep-${k}`], `--keep-${k}`, { min: 1, integer: true });
      if (n !== undefined) keep[k] = n;
    }
    return withCluster(ctx, async (kube, ns) => {
      const { getObject } = await import('../../engine/cluster/apply.ts');
      const controller = await getObject(kube, `/apis/apps/v1/namespaces/${ns}/deployments/lifeboat-controller`);
      const c = controller?.spec?.template?.spec?.containers?.[0];
      const { LIFEBOAT_VERSION } = await import('../../engine/version.ts');
      await applySchedule(kube, ns, {
        name,
        cron,
        keep,
        image: (ctx.values.image as string | undefined) ?? c?.image ?? `${DEFAULT_IMAGE_REPO}:${LIFEBOAT_VERSION}`,
        imagePullPolicy: c?.imagePullPolicy,
        filters: {
          only,
          namespaces: listFlag(ctx.values['backup-namespace']),
          resources: listFlag(ctx.values.resource),
          excludeResources: listFlag(ctx.values['exclude-resource']),
          selector: ctx.values.selector as string | undefined,
          includeGenerated: ctx.values['include-generated'] === true,
        },
      });
      const next = nextRun(cron, new Date());
      if (ctx.globals.json) ctx.json({ name, cron, keep, nextRun: next?.toISOString() ?? null });
      else ctx.out(`schedule ${name} (${cron}) saved in ${ns}; next run ${next ? next.toISOString().replace('.000Z', 'Z') : 'never'}`);
      return EXIT.ok;
    });
  },
};

const listCommand: Command = {
  name: 'list',
  summary: 'the schedules, their last run (status, age) and next run',
  options: nsOption,
  optionHelp: nsHelp,
  async run(ctx) {
    const { listSchedules } = await import('../../engine/cluster/schedules.ts');
    return withCluster(ctx, async (kube, ns) => {
      const now = new Date();
      const list = await listSchedules(kube, ns, now);
      if (ctx.globals.json) {
        ctx.json(list);
        return EXIT.ok;
      }
      if (!list.length) {
        ctx.out(`no schedules in ${ns}: make one with 'lifeboat schedule create NAME --cron "0 2 * * *"'`);
        return EXIT.ok;
      }
      const rows = [['NAME', 'CRON', 'LAST RUN', 'STATUS', 'AGE', 'NEXT RUN', 'KEEP']];
      for (const s of list) {
        const last = s.running.length ? { job: s.running[0], status: 'running', completionTime: undefined } : s.lastRun;
        rows.push([
          s.name,
          s.cron,
          last?.job ?? '-',
          last?.status ?? '-',
          age(last?.completionTime, now),
          s.suspended ? 'suspended' : (s.nextRun?.replace('.000Z', 'Z') ?? '-'),
          Object.entries(s.keep).map(([k, v]) => `${k}=${v}`).join(',') || '-',
        ]);
      }
      for (const line of alignColumns(rows)) ctx.out(line);
      for (const s of list) if (s.lastRun?.message && s.lastRun.status !== 'complete') ctx.out(`${s.name}: ${s.lastRun.status}: ${s.lastRun.message}`);
      return EXIT.ok;
    });
  },
};

const deleteCommand: Command = {
  name: 'delete',
  summary: 'delete a schedule and its runs (snapshots stay in the repository)',
  usage: 'NAME',
  positionals: [1, 1],
  options: nsOption,
  optionHelp: nsHelp,
  async run(ctx) {
    const name = ctx.positionals[0]!;
    const { deleteSchedule } = await import('../../engine/cluster/schedules.ts');
    return withCluster(ctx, async (kube, ns) => {
      if (!(await deleteSchedule(kube, ns, name))) throw new CliError(`no schedule '${name}' in ${ns}: see 'lifeboat schedule list'`);
      if (ctx.globals.json) ctx.json({ deleted: name });
      else ctx.out(`schedule ${name} deleted; its snapshots stay in the repository`);
      return EXIT.ok;
    });
  },
};

const runCommand: Command = {
  name: 'run',
  summary: 'run a schedule now (a Job from its CronJob); --wait to wait for the result',
  usage: 'NAME',
  positionals: [1, 1],
  options: { ...nsOption, wait: { type: 'boolean' }, timeout: { type: 'string' } },
  optionHelp: { ...nsHelp, wait: 'wait for the run to end; exit 0 complete, 3 partial, 1 failed', timeout: 'seconds to wait with --wait (default 1800)' },
  async run(ctx) {
    const name = ctx.positionals[0]!;
    const { getSchedule, runScheduleNow, runSummary } = await import('../../engine/cluster/schedules.ts');
    const { getObject } = await import('../../engine/cluster/apply.ts');
    const timeoutMs = (numberFlag(ctx.values.timeout, '--timeout', { min: 1 }) ?? 1800) * 1000;
    return withCluster(ctx, async (kube, ns) => {
      const cj = await getSchedule(kube, ns, name);
      if (!cj) throw new CliError(`no schedule '${name}' in ${ns}: see 'lifeboat schedule list'`);
      const job = await runScheduleNow(kube, ns, cj);
      const jobName = job.metadata.name as string;
      if (!ctx.values.wait) {
        if (ctx.globals.json) ctx.json({ schedule: name, job: jobName, status: 'running' });
        else ctx.out(`run ${jobName} of ${name} started; see 'lifeboat schedule list'`);
        return EXIT.ok;
      }
      if (!ctx.globals.json) ctx.err(`run ${jobName} of ${name} started; waiting...`);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const now = await getObject(kube, `/apis/batch/v1/namespaces/${ns}/jobs/${jobName}`);
        if (!now) throw new CliError(`the run ${jobName} was deleted before it ended`);
        const s = await runSummary(kube, ns, now);
        if (s.status !== 'running') {
          if (ctx.globals.json) ctx.json({ schedule: name, ...s });
          else ctx.out(`run ${jobName} of ${name}: ${s.status}${s.message ? `: ${s.message}` : ''}`);
          return s.status === 'complete' ? EXIT.ok : s.status === 'partial' ? EXIT.partial : EXIT.failed;
        }
        if (ctx.signal.aborted) throw new CliError('stopped waiting; the run goes on in the cluster');
        if (Date.now() > deadline) throw new CliError(`the run ${jobName} has not ended after ${timeoutMs / 1000} s; it goes on: see 'lifeboat schedule list'`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    });
  },
};

export const scheduleCommand: Command = {
  name: 'schedule',
  summary: 'backups the cluster takes on a schedule (after lifeboat install)',
  subcommands: [createCommand, listCommand, deleteCommand, runCommand],
};
