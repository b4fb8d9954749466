import type { Command } from '../command.ts';
import { CliError, EXIT, UsageError } from '../errors.ts';
import { listFlag, numberFlag } from '../flags.ts';

const list = listFlag;
const many = (v: unknown): string[] | undefined => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).map(String));

export const restoreCommand: Command = {
  name: 'restore',
  summary: 'restore a snapshot (objects, volumes, images, etcd, Prometheus, databases), showing the plan first with --dry-run',
  usage: 'SNAPSHOT',
  positionals: [1, 1],
  details: `SNAPSHOT is an id, a prefix of one, or 'latest'. The planner lists every action with its
reason before anything is written: objects in dependency order (CRDs, namespaces, storage,
accounts, secrets, config, ..., workloads, webhooks last), cleaned of what the source cluster
assigned (uids, versions, cluster IPs, bindings, status), mapped (--namespace-map, ...), and
labelled lifeboat.dev/restored-from=<snapshot>. Objects that exist are skipped unless
--existing-resource-policy says update or recreate (an update that would change an immutable
field becomes a recreate, with a warning). --dry-run prints the plan, with a diff of each object
that would change, and writes nothing. etcd is restored only when asked (--only etcd or
--etcd-data-dir), into a new data directory, with the steps to swap it in.
Exit code 0 when everything was done, 1 when something failed (the report says what and why).`,
  options: {
    namespace: { type: 'string', short: 'n', multiple: true },
    kind: { type: 'string', multiple: true },
    name: { type: 'string', multiple: true },
    selector: { type: 'string', short: 'l' },
    only: { type: 'string', multiple: true },
    'target-context': { type: 'string' },
    'namespace-map': { type: 'string', multiple: true },
    'storage-class-map': { type: 'string', multiple: true },
    'registry-map': { type: 'string', multiple: true },
    'existing-resource-policy': { type: 'string' },
    'keep-status': { type: 'boolean' },
    'etcd-data-dir': { type: 'string' },
    'etcd-name': { type: 'string' },
    'etcd-initial-cluster': { type: 'string' },
    'etcd-initial-advertise-peer-urls': { type: 'string' },
    'etcd-bump-revision': { type: 'string' },
    'volume-target': { type: 'string' },
    'prometheus-target': { type: 'string' },
    'prometheus-reload': { type: 'boolean' },
    'database-map': { type: 'string', multiple: true },
    'redis-target': { type: 'string' },
    'bucket-map': { type: 'string', multiple: true },
    'dry-run': { type: 'boolean' },
  },
  optionHelp: {
    namespace: 'only these namespaces (as the snapshot names them; repeat or comma-separate)',
    kind: 'only these kinds, e.g. Deployment,configmaps,certificates.cert-manager.io',
    name: 'only objects (and Docker volumes, Prometheus servers, database servers) of these names',
    selector: 'only objects matching this label selector',
    only: 'only these sources: objects,volumes,images,etcd,prometheus,databases,mariadb,redis,buckets (default all but etcd)',
    'target-context': 'kubeconfig context to restore into (default: --context, the current one)',
    'namespace-map': 'restore namespace old as new: old=new (PV claims and RoleBinding subjects follow)',
    'storage-class-map': 'use storage class new where the snapshot says old: old=new',
    'registry-map': 'images of registry old come from (and are pushed to) new: old=new',
    'existing-resource-policy': 'what to do with what exists: skip (default), update, recreate',
    'keep-status': "keep objects' status (default: cleared, controllers rebuild it)",
    'etcd-data-dir': 'restore etcd into this new data directory (implies etcd)',
    'etcd-name': 'member name of the restored etcd (default: default)',
    'etcd-initial-cluster': 'initial cluster of the restored member (default: NAME=PEER-URL)',
    'etcd-initial-advertise-peer-urls': 'peer URL of the restored member (default: http://localhost:2380)',
    'etcd-bump-revision': 'move the etcd revision on by this much (default 10000; 0: not at all)',
    'volume-target': 'restore volume data into this folder instead (DIR/docker/NAME, DIR/pv/NAME)',
    'prometheus-target': "write Prometheus files under this folder instead of the server's paths",
    'prometheus-reload': 'reload Prometheus (POST /-/reload) after writing its files',
    'database-map': 'restore MariaDB database old as new: old=new',
    'redis-target': 'write each Redis RDB to DIR/SERVER/dump.rdb instead of loading it into the server',
    'bucket-map': 'restore bucket old (its name in lifeboat.yaml) into bucket new on the same endpoint: old=new',
    'dry-run': 'print the plan (counts, every action, a diff of each object that would change) and write nothing',
  },
  async run(ctx) {
    const { restoreSources, defaultRestoreSources } = await import('../../engine/sources/registry.ts');
    const sources = restoreSources();
    const { parseMapping } = await import('../../engine/restore/mappings.ts');
    let only = list(ctx.values.only);
    for (const k of only ?? []) {
      if (!sources.includes(k as never)) throw new UsageError(`unknown source '${k}' for --only: use ${sources.join(', ')}`);
    }
    const etcdDataDir = ctx.values['etcd-data-dir'] as string | undefined;
    if (etcdDataDir && !only) only = [...defaultRestoreSources(), 'etcd'];
    const policy = (ctx.values['existing-resource-policy'] as string | undefined) ?? 'skip';
    if (!['skip', 'update', 'recreate'].includes(policy)) throw new UsageError(`--existing-resource-policy takes skip, update or recreate, not '${policy}'`);
    const bump = numberFlag(ctx.values['etcd-bump-revision'], '--etcd-bump-revision', { integer: true });
    let maps;
    try {
      maps = {
        namespaceMap: parseMapping(many(ctx.values['namespace-map']), '--namespace-map'),
        storageClassMap: parseMapping(many(ctx.values['storage-class-map']), '--storage-class-map'),
        registryMap: parseMapping(many(ctx.values['registry-map']), '--registry-map'),
        databaseMap: parseMapping(many(ctx.values['database-map']), '--database-map'),
        bucketMap: parseMapping(many(ctx.values['bucket-map']), '--bucket-map'),
      };
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const selector = ctx.values.selector as string | undefined;
    if (selector) {
      const { parseSelector } = await import('../../engine/kube/selector.ts');
      try {
        parseSelector(selector);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    }
    const { loadEnvironment } = await import('../environment.ts');
    const { reportDamage } = await import('../repository-options.ts');
    const { openSession, sessionRepository } = await import('../session.ts');
    const { planRestore } = await import('../../engine/restore/plan.ts');
    const { findBackup } = await import('../../engine/backup/find.ts');
    const { NotFoundError } = await import('../../engine/repository/errors.ts');
    const { runRestore } = await import('../../engine/restore/restore.ts');
    const { formatPlan, formatReport, planCounts } = await import('../../engine/restore/format.ts');
    const { ProgressPrinter } = await import('../progress-printer.ts');

    const targetContext = ctx.values['target-context'] as string | undefined;
    const env = await loadEnvironment({ ...ctx, globals: { ...ctx.globals, context: targetContext ?? ctx.globals.context } });
    // The target context is this session's cluster: its client is the session's.
    const session = openSession(ctx, env);
    let target;
    let repo;
    try {
      target = await session.restoreTarget();
      repo = await sessionRepository(session);
      let snapshot;
      try {
        snapshot = await findBackup(repo, ctx.positionals[0]!);
      } catch (e) {
        if (e instanceof NotFoundError) throw new UsageError(e.message);
        throw e;
      }
      const plan = await planRestore({
        repo,
        snapshot,
        target,
        scope: { sources: only as never, namespaces: list(ctx.values.namespace), kinds: list(ctx.values.kind), names: list(ctx.values.name), labelSelector: selector },
        options: {
          ...maps,
          existingPolicy: policy as never,
          keepStatus: ctx.values['keep-status'] === true,
          etcdDataDir,
          etcdName: ctx.values['etcd-name'] as string | undefined,
          etcdInitialCluster: ctx.values['etcd-initial-cluster'] as string | undefined,
          etcdInitialAdvertisePeerUrls: ctx.values['etcd-initial-advertise-peer-urls'] as string | undefined,
          etcdBumpRevision: bump,
          volumeTarget: ctx.values['volume-target'] as string | undefined,
          prometheusTarget: ctx.values['prometheus-target'] as string | undefined,
          prometheusReload: ctx.values['prometheus-reload'] === true,
          redisTarget: ctx.values['redis-target'] as string | undefined,
        },
        signal: ctx.signal,
      });
      if (ctx.values['dry-run']) {
        const { redactSecret } = await import('../../engine/kube/redact.ts');
        // The objects of the plan, fit to print: a Secret's values show as lengths and hashes.
        const shownAction = (a: (typeof plan.actions)[number]) =>
          'object' in a ? { ...a, object: redactSecret(a.object), live: a.live && redactSecret(a.live) } : a;
        if (ctx.globals.json) ctx.json({ type: 'plan', dryRun: true, counts: planCounts(plan), ...plan, actions: plan.actions.map(shownAction) });
        else for (const l of formatPlan(plan)) ctx.out(l);
        return EXIT.ok;
      }
      if (!ctx.globals.json) {
        ctx.err(`restoring snapshot ${plan.snapshot.short}${env.kube ? ` into context ${env.kube.context}` : ''}: ${planCounts(plan).map(({ group, verbs }) => `${group} ${Object.entries(verbs).map(([v, n]) => `${v} ${n}`).join('/')}`).join(', ')}`);
        for (const w of plan.warnings) ctx.err(`warning: ${w}`);
      }
      const printer = new ProgressPrinter(ctx.stderr, Boolean((ctx.stderr as { isTTY?: boolean }).isTTY) && !ctx.globals.json);
      const report = await runRestore({
        repo,
        snapshot,
        plan,
        target,
        signal: ctx.signal,
        onEvent: (e) => (ctx.globals.json ? ctx.stdout.write(JSON.stringify(e) + '\n') : printer.handle(e)),
      });
      printer.finish();
      if (ctx.globals.json) {
        ctx.stdout.write(JSON.stringify({ type: 'report', snapshot: plan.snapshot.id, status: report.status, totals: report.totals, items: report.items, notes: report.notes, warnings: plan.warnings }) + '\n');
      } else for (const l of formatReport(report)) ctx.out(l);
      if (report.status === 'cancelled') throw new CliError('restore cancelled: what was written before stays (see the report)');
      return report.status === 'ok' ? EXIT.ok : EXIT.failed;
    } finally {
      target?.close();
      if (repo) reportDamage(ctx, repo);
      await session.close();
    }
  },
};
