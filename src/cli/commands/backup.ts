import type { Command } from '../command.ts';
import { EXIT, UsageError, CliError } from '../errors.ts';
import { listFlag } from '../flags.ts';

const list = listFlag;

export const backupCommand: Command = {
  name: 'backup',
  summary: 'back up everything configured (cluster objects, etcd, volumes, images, Prometheus, databases) into one snapshot',
  details: `Each source runs as a job with live progress. A job that fails does not stop the others:
the snapshot is then marked partial, its manifest says which job failed and why, and the exit
code is 3. Interrupted (ctrl-c), nothing is committed.
With --json, every progress event is one JSON line on stdout, then a summary line.`,
  options: {
    only: { type: 'string', multiple: true },
    namespace: { type: 'string', short: 'n', multiple: true },
    resource: { type: 'string', multiple: true },
    'exclude-resource': { type: 'string', multiple: true },
    selector: { type: 'string', short: 'l' },
    'include-generated': { type: 'boolean' },
    'all-versions': { type: 'boolean' },
    tag: { type: 'string', multiple: true },
    item: { type: 'string', multiple: true },
    'dry-run': { type: 'boolean' },
  },
  optionHelp: {
    only: 'only these sources: kubernetes,etcd,volumes,images,prometheus,databases,mariadb,redis,buckets',
    namespace: 'only these namespaces (repeat or comma-separate)',
    resource: 'only these resources, e.g. deployments.apps,configmaps',
    'exclude-resource': 'leave these resources out',
    selector: 'only objects matching this label selector',
    'include-generated': 'keep Events, Endpoints, Leases and controller-owned Pods and ReplicaSets',
    'all-versions': 'every version of each API group, not only the preferred one',
    tag: 'add a tag to the snapshot',
    item: "only this item, by its inventory id (see 'lifeboat inventory --json'); repeatable",
    'dry-run': 'print the jobs that would run and the hooks they would run in pods, and write nothing',
  },
  async run(ctx) {
    const { sourceKinds } = await import('../../engine/sources/registry.ts');
    const kinds = sourceKinds();
    const only = list(ctx.values.only);
    for (const k of only ?? []) {
      if (!kinds.includes(k as never)) throw new UsageError(`unknown source '${k}' for --only: use ${kinds.join(', ')}`);
    }
    const { loadEnvironment } = await import('../environment.ts');
    const { reportDamage } = await import('../repository-options.ts');
    const { openSession, sessionRepository } = await import('../session.ts');
    const { planBackup, NotConfiguredError } = await import('../../engine/backup/plan.ts');
    const { runBackup } = await import('../../engine/backup/backup.ts');
    const { ProgressPrinter } = await import('../progress-printer.ts');
    const { formatBytes } = await import('../../components/format.ts');
    const { LIFEBOAT_VERSION } = await import('../../engine/version.ts');
    const env = await loadEnvironment(ctx);
    const session = openSession(ctx, env);
    try {
      let plan;
      try {
        plan = await planBackup({
          clients: { kube: await session.kubeClient(), docker: await session.docker() },
          config: env.config,
          kube: env.kube,
          env: ctx.env,
          only: only as never,
          items: list(ctx.values.item),
          filters: {
            namespaces: list(ctx.values.namespace),
            resources: list(ctx.values.resource),
            excludeResources: list(ctx.values['exclude-resource']),
            labelSelector: ctx.values.selector as string | undefined,
            includeGenerated: ctx.values['include-generated'] === true,
            allVersions: ctx.values['all-versions'] === true,
          },
        });
      } catch (e) {
        if (e instanceof NotConfiguredError) throw new UsageError(e.message);
        throw e;
      }
      if (plan.sources.length === 0) {
        plan.close();
        throw new CliError("nothing to back up: no source is configured (see 'lifeboat info'; name sources in lifeboat.yaml)");
      }
      if (ctx.values['dry-run']) {
        // What would run, with the hooks in the pods, and nothing written.
        try {
          const jobs = [];
          for (const source of plan.sources) jobs.push({ kind: source.kind, title: source.title, hooks: (await source.preview?.(ctx.signal)) ?? [] });
          if (ctx.globals.json) ctx.json({ jobs, notConfigured: plan.notConfigured, warnings: plan.warnings });
          else {
            for (const j of jobs) {
              ctx.out(`would run ${j.kind.padEnd(11)} ${j.title}`);
              for (const h of j.hooks) ctx.out(`            ${h}`);
            }
            for (const n of plan.notConfigured) ctx.out(`-         ${n.kind.padEnd(11)} not configured: ${n.reason}`);
            for (const w of plan.warnings) ctx.err(`warning: ${w}`);
          }
        } finally {
          plan.close();
        }
        return EXIT.ok;
      }
      const repo = await sessionRepository(session);
      const printer = new ProgressPrinter(ctx.stderr, Boolean((ctx.stderr as { isTTY?: boolean }).isTTY) && !ctx.globals.json);
      const report = await runBackup({
        repo,
        plan,
        version: LIFEBOAT_VERSION,
        cluster: env.kube ? { context: env.kube.context, server: env.kube.server } : undefined,
        tags: list(ctx.values.tag),
        signal: ctx.signal,
        onEvent: (e) => (ctx.globals.json ? ctx.stdout.write(JSON.stringify(e) + '\n') : printer.handle(e)),
      }).finally(() => reportDamage(ctx, repo));
      printer.finish();
      const m = report.manifest;
      if (ctx.globals.json) {
        ctx.stdout.write(
          JSON.stringify({ type: 'summary', snapshot: report.snapshot ?? null, status: report.status, jobs: m.jobs.map(({ details: _d, ...j }) => j), notConfigured: m.notConfigured }) + '\n',
        );
      } else {
        for (const j of m.jobs) {
          ctx.out(`${j.status === 'ok' ? 'OK    ' : j.status.toUpperCase().padEnd(6)} ${j.kind.padEnd(11)} ${String(j.items).padStart(7)} items ${formatBytes(j.bytes).padStart(10)}${j.error ? `  ${j.error}` : ''}`);
        }
        for (const n of m.notConfigured) ctx.out(`-      ${n.kind.padEnd(11)} not configured: ${n.reason}`);
        for (const w of m.warnings) ctx.err(`warning: ${w}`);
        if (report.snapshot) ctx.out(`snapshot ${report.snapshot.slice(0, 8)} saved (${report.status})`);
      }
      if (report.status === 'cancelled') throw new CliError('backup cancelled: nothing was committed');
      if (report.status === 'failed') {
        throw new CliError(`backup failed: no job captured anything, so no snapshot was written (${m.jobs.map((j) => `${j.kind}: ${j.error ?? j.status}`).join('; ')})`);
      }
      return report.status === 'complete' ? EXIT.ok : EXIT.partial;
    } finally {
      await session.close();
    }
  },
};
