import type { Manifest } from '../engine/backup/manifest.ts';
import type { EngineSession } from '../engine/session.ts';
import { scheduleServices } from './schedule-services.ts';
import type { Repository } from '../engine/repository/repository.ts';
import type { SnapshotInfo } from '../engine/repository/snapshot.ts';
import { sourceModules } from '../engine/sources/registry.ts';
import type { SourceKind } from '../engine/sources/types.ts';
import { backupRun, summaryOf } from '../screens/backupRun.ts';
import type { Run, SnapshotSummary, TuiServices } from '../screens/services.ts';
import { wordAll, wordMentions, type MentionWords } from '../engine/mentions.ts';
import { TUI_WORDS } from './mention-words.ts';
import { LIFEBOAT_VERSION } from '../engine/version.ts';

// TuiServices over the real engine, for `lifeboat` with no subcommand. The CLI resolves flags,
// config and kubeconfig into an EngineSession (cli -> screens -> engine); the UI holds no
// repository lock while it only shows things (opening one takes none). Engine modules load
// lazily: the UI opens before Kubernetes and Docker clients are imported.

const MANIFEST_PATH = '/lifeboat/manifest.json';

/** A snapshot as the backups screen lists it: from its manifest, else from lifeboat's tags and paths. */
export function snapshotSummary(s: SnapshotInfo, manifest?: Manifest): SnapshotSummary {
  const tags = s.tags ?? [];
  const modules = sourceModules();
  const fromPaths = s.paths.map((p) => modules.find((m) => m.snapshotPath === p)?.kind).filter((k): k is SourceKind => k !== undefined);
  return {
    id: s.id,
    shortId: s.id.slice(0, 8),
    time: s.time,
    hostname: s.hostname,
    tags: tags.filter((t) => t !== 'lifeboat' && t !== 'complete' && t !== 'partial' && !modules.some((m) => m.kind === t)),
    sources: manifest ? manifest.jobs.filter((j) => j.status === 'ok').map((j) => j.kind) : fromPaths,
    bytes: manifest?.jobs.reduce((n, j) => n + j.bytes, 0),
    status: manifest?.status ?? (tags.includes('partial') ? 'partial' : 'complete'),
  };
}

/** The services with what the engine's messages mention said in the UI's words (its results, events and errors). */
function worded(services: TuiServices, words: MentionWords): TuiServices {
  const w = <T>(v: T): T => wordAll(v, words);
  const fail = (e: unknown): never => {
    if (e instanceof Error) e.message = wordMentions(e.message, words);
    throw e;
  };
  const call =
    <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
    (...a: A): Promise<R> =>
      fn(...a).then(w, fail);
  const run = <R>(r: Run<R>): Run<R> => ({ events: (listener) => r.events((e) => listener(w(e))), cancel: () => r.cancel(), done: r.done.then(w, fail) });
  return {
    ...services,
    probe: call(services.probe),
    loadInventory: call(services.loadInventory),
    startBackup: (o) => run(services.startBackup(o)),
    listSnapshots: call(services.listSnapshots),
    readManifest: call(services.readManifest),
    snapshotContents: call(services.snapshotContents),
    planRestore: call(services.planRestore),
    startRestore: (p) => run(services.startRestore(p)),
  };
}

/**
 * TuiServices over an engine session: the repository is opened once (its key derived once) and
 * kept for the UI's whole run, as are the cluster's and Docker's clients. `repository` is the
 * location the header shows (undefined when none is configured).
 */
export async function engineServices(session: EngineSession, opts: { repository?: string } = {}): Promise<TuiServices> {
  const { endpointsOf } = await import('../engine/environment/endpoints.ts');
  const { probeEndpoints } = await import('../engine/environment/probe.ts');
  const env = { config: session.config, configFile: session.configFile, kube: session.kube };
  const withRepo = async <T>(fn: (repo: Repository) => Promise<T>): Promise<T> => fn(await session.repository());
  /** The restore target of a request, closed after `fn`. */
  const withTarget = async <T>(context: string | undefined, fn: (target: import('../engine/restore/types.ts').RestoreTarget) => Promise<T>): Promise<T> => {
    const target = await session.restoreTarget(context);
    try {
      return await fn(target);
    } finally {
      target.close();
    }
  };
  const { repository } = opts;
  return worded({
    schedules: env.kube ? scheduleServices(env.kube) : undefined,
    context: env.kube?.context,
    configFile: env.configFile,
    repository,
    now: Date.now,
    probe: () => probeEndpoints(endpointsOf(env.config, env.kube, session.env), env.kube),
    loadInventory: async () => {
      const { buildInventory } = await import('../engine/inventory/build.ts');
      const { inventoryInputs } = await import('./inventory-inputs.ts');
      const inputs = await inventoryInputs(session);
      const inventory = await buildInventory({ ...inputs, config: env.config });
      return { ...inventory, warnings: [...inputs.warnings, ...inventory.warnings] };
    },
    startBackup: (opts) =>
      backupRun(async ({ signal, onEvent }) => {
        const { planBackup } = await import('../engine/backup/plan.ts');
        const { runBackup } = await import('../engine/backup/backup.ts');
        // Marked items: only they are captured (each source lists only what it needs for them).
        const plan = await planBackup({ config: env.config, kube: env.kube, env: session.env, items: opts.items, clients: { kube: await session.kubeClient(), docker: await session.docker() } });
        return withRepo(async (repo) => {
          const cluster = env.kube ? { context: env.kube.context, server: env.kube.server } : undefined;
          const report = await runBackup({ repo, plan, version: LIFEBOAT_VERSION, cluster, signal, onEvent });
          return summaryOf(report.results, report.snapshot);
        });
      }),
    listSnapshots: () =>
      withRepo(async (repo) => {
        const { readManifest } = await import('../engine/backup/manifest-read.ts');
        const out: SnapshotSummary[] = [];
        for (const snap of await repo.listSnapshots()) {
          const manifest = await readManifest(repo, snap).catch(() => undefined);
          out.push(snapshotSummary(snap, manifest));
        }
        return out; // newest first, as listSnapshots gives them
      }),
    readManifest: (id) =>
      withRepo(async (repo) => {
        const { readManifest } = await import('../engine/backup/manifest-read.ts');
        const manifest = await readManifest(repo, await repo.findSnapshot(id));
        if (!manifest) throw new Error(`snapshot ${id.slice(0, 8)} has no ${MANIFEST_PATH}: lifeboat did not make it`);
        return manifest;
      }),
    snapshotContents: (id) =>
      withRepo(async (repo) => {
        const { snapshotContents } = await import('../engine/restore/contents.ts');
        return snapshotContents(repo, await repo.findSnapshot(id));
      }),
    planRestore: (request, signal) =>
      withRepo(async (repo) => {
        const { planRestore } = await import('../engine/restore/plan.ts');
        const snapshot = await repo.findSnapshot(request.snapshot);
        return withTarget(request.targetContext, async (target) => {
          const plan = await planRestore({ repo, snapshot, scope: request.scope, target, options: request.options, signal });
          return { request, plan, context: target.kubeContext };
        });
      }),
    startRestore: (planned) =>
      backupRun(({ signal, onEvent }) =>
        withRepo(async (repo) => {
          const { runRestore } = await import('../engine/restore/restore.ts');
          const snapshot = await repo.findSnapshot(planned.request.snapshot);
          return withTarget(planned.request.targetContext, (target) => runRestore({ repo, snapshot, plan: planned.plan, target, signal, onEvent }));
        }),
      ),
  }, TUI_WORDS);
}
