// `lifeboat maintenance run|exec`: retention (each schedule's --keep-*), prune and check of the
// installed repository, in a Job under the repository's exclusive lock.
import type { Command } from '../command.ts';
import { CliError, EXIT } from '../errors.ts';
import { numberFlag } from '../flags.ts';
import { clusterClient, namespaceFlag } from './install.ts';

const nsOption = { namespace: { type: 'string', short: 'N' } } as const;

const runCommand: Command = {
  name: 'run',
  summary: 'start the maintenance Job now (retention, prune, check); --wait for its result',
  options: { ...nsOption, wait: { type: 'boolean' }, timeout: { type: 'string' } },
  optionHelp: { namespace: 'namespace lifeboat is installed in (default lifeboat-system)', wait: 'wait for it to end; exit 0 done, 1 failed', timeout: 'seconds to wait with --wait (default 3600)' },
  async run(ctx) {
    const ns = namespaceFlag(ctx);
    const { getObject } = await import('../../engine/cluster/apply.ts');
    const { runScheduleNow, runSummary } = await import('../../engine/cluster/schedules.ts');
    const { MAINTENANCE } = await import('../../engine/cluster/manifests.ts');
    const timeoutMs = (numberFlag(ctx.values.timeout, '--timeout', { min: 1 }) ?? 3600) * 1000;
    const { kube } = await clusterClient(ctx);
    try {
      const cj = await getObject(kube, `/apis/batch/v1/namespaces/${ns}/cronjobs/${MAINTENANCE}`);
      if (!cj) throw new CliError(`lifeboat is not installed in namespace ${ns} (no ${MAINTENANCE} CronJob): run 'lifeboat install' first`);
      const job = await runScheduleNow(kube, ns, cj);
      const name = job.metadata.name as string;
      if (!ctx.values.wait) {
        if (ctx.globals.json) ctx.json({ job: name, status: 'running' });
        else ctx.out(`maintenance ${name} started`);
        return EXIT.ok;
      }
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const now = await getObject(kube, `/apis/batch/v1/namespaces/${ns}/jobs/${name}`);
        if (!now) throw new CliError(`the maintenance Job ${name} was deleted before it ended`);
        const s = await runSummary(kube, ns, now);
        if (s.status !== 'running') {
          if (ctx.globals.json) ctx.json(s);
          else ctx.out(`maintenance ${name}: ${s.status === 'complete' ? 'done' : `failed${s.message ? `: ${s.message}` : ''}`}`);
          return s.status === 'complete' ? EXIT.ok : EXIT.failed;
        }
        if (Date.now() > deadline) throw new CliError(`maintenance ${name} has not ended after ${timeoutMs / 1000} s; it goes on in the cluster`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    } finally {
      kube.close();
    }
  },
};

const execCommand: Command = {
  name: 'exec',
  summary: 'do the maintenance here (what the maintenance Job runs): each schedule\'s retention, prune, check',
  options: { ...nsOption, 'wait-lock': { type: 'string' }, 'no-prune': { type: 'boolean' }, 'no-check': { type: 'boolean' } },
  optionHelp: {
    namespace: 'namespace whose schedules give the retention (default $POD_NAMESPACE, else lifeboat-system)',
    'wait-lock': 'seconds to wait for backups to release the repository (default 3600)',
    'no-prune': 'leave out prune',
    'no-check': 'leave out check',
  },
  async run(ctx) {
    const ns = (ctx.values.namespace as string | undefined) ?? (ctx.env.POD_NAMESPACE || namespaceFlag(ctx));
    const { listSchedules } = await import('../../engine/cluster/schedules.ts');
    const { runMaintenance } = await import('../../engine/cluster/maintenance.ts');
    const { openRepository, asCliError } = await import('../repository-options.ts');
    const { kube } = await clusterClient(ctx);
    let schedules;
    try {
      schedules = await listSchedules(kube, ns);
    } finally {
      kube.close();
    }
    const repo = await openRepository(ctx);
    try {
      const report = await runMaintenance(repo, {
        schedules: schedules.map((s) => ({ name: s.name, keep: s.keep as never })),
        prune: !ctx.values['no-prune'],
        check: !ctx.values['no-check'],
        waitLockMs: (numberFlag(ctx.values['wait-lock'], '--wait-lock', { min: 0 }) ?? 3600) * 1000,
        log: (line) => ctx.err(`${new Date().toISOString()} ${line}`),
        signal: ctx.signal,
      });
      if (ctx.globals.json) ctx.json(report);
      if (report.check?.errors.length) throw new CliError(`check found damage: ${report.check.errors.join('; ')}`);
      return EXIT.ok;
    } catch (e) {
      throw asCliError(e);
    } finally {
      await repo.close();
    }
  },
};

export const maintenanceCommand: Command = {
  name: 'maintenance',
  summary: 'retention, prune and check of the installed repository (a Job under its exclusive lock)',
  subcommands: [runCommand, execCommand],
};
