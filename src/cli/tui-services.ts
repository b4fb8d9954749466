import type Docker from 'dockerode';
import type { Manifest } from '../engine/backup/manifest.ts';
import type { LifeboatConfig } from '../engine/config/schema.ts';
import type { KubeClient } from '../engine/kube/client.ts';
import type { KubeTarget } from '../engine/kube/kubeconfig.ts';
import { scheduleServices } from './schedule-services.ts';
import type { Repository } from '../engine/repository/repository.ts';
import type { SnapshotInfo } from '../engine/repository/snapshot.ts';
import { SOURCE_KINDS, type SourceKind } from '../engine/sources/types.ts';
import { backupRun, summaryOf } from '../screens/backupRun.ts';
import type { SnapshotSummary, TuiServices } from '../screens/services.ts';
import { LIFEBOAT_VERSION } from '../engine/version.ts';

// TuiServices over the real engine, for `lifeboat` with no subcommand. Each call opens what it
// needs and closes it again, so the UI holds no repository lock while it only shows things.
// The CLI resolves flags, config and kubeconfig into an EngineSession (cli -> screens -> engine).
// Engine modules load lazily: the UI opens before Kubernetes and Docker clients are imported.

const MANIFEST_PATH = '/lifeboat/manifest.json';

/** A snapshot as the backups screen lists it: from its manifest, else from lifeboat's tags and paths. */
export function snapshotSummary(s: SnapshotInfo, manifest?: Manifest): SnapshotSummary {
  const tags = s.tags ?? [];
  const fromPaths = s.paths.map((p) => p.replace(/^\//, '')).filter((p): p is SourceKind => SOURCE_KINDS.includes(p as SourceKind));
  return {
    id: s.id,
    shortId: s.id.slice(0, 8),
    time: s.time,
    hostname: s.hostname,
    tags: tags.filter((t) => t !== 'lifeboat' && t !== 'complete' && t !== 'partial' && !SOURCE_KINDS.includes(t as SourceKind)),
    sources: manifest ? manifest.jobs.filter((j) => j.status === 'ok').map((j) => j.kind) : fromPaths,
    bytes: manifest?.jobs.reduce((n, j) => n + j.bytes, 0),
    status: manifest?.status ?? (tags.includes('partial') ? 'partial' : 'complete'),
  };
}

/** What the CLI resolved for the UI: the config, the cluster, and how to open what it names. */
export interface EngineSession {
  config: LifeboatConfig;
  configFile?: string;
  /** The current cluster, or undefined when nothing names one. */
  kube?: KubeTarget;
  /** The process environment (DOCKER_HOST, credentials of the sources). */
  env: NodeJS.ProcessEnv;
  /** Where the repository is, for the header; undefined when none is configured. */
  repository?: string;
  openRepository(): Promise<Repository>;
  openInventoryInputs(): Promise<{ kube?: KubeClient; docker?: Docker; repo?: Repository; warnings: string[]; close(): void }>;
  /** The cluster of a kubeconfig context (undefined: the current one), as the flags and config find it. */
  kubeFor(context?: string): Promise<KubeTarget | undefined>;
}

export async function engineServices(session: EngineSession): Promise<TuiServices> {
  const { endpointsOf } = await import('../engine/environment/endpoints.ts');
  const { probeEndpoints } = await import('../engine/environment/probe.ts');
  const env = { config: session.config, configFile: session.configFile, kube: session.kube };
  const withRepo = async <T>(fn: (repo: Repository) => Promise<T>): Promise<T> => {
    const repo = await session.openRepository();
    try {
      return await fn(repo);
    } finally {
      await repo.close();
    }
  };
  /** The restore target of a request, closed after `fn`. */
  const withTarget = async <T>(context: string | undefined, fn: (target: import('../engine/restore/types.ts').RestoreTarget) => Promise<T>): Promise<T> => {
    const { restoreTarget } = await import('../engine/restore/target.ts');
    const kube = await session.kubeFor(context);
    const target = restoreTarget(session.config, kube, session.env);
    try {
      return await fn(target);
    } finally {
      target.close();
    }
  };
  const repository = session.repository;
  return {
    schedules: env.kube ? scheduleServices(env.kube) : undefined,
    context: env.kube?.context,
    configFile: env.configFile,
    repository,
    now: Date.now,
    probe: () => probeEndpoints(endpointsOf(env.config, env.kube, session.env), env.kube),
    loadInventory: async () => {
      const { buildInventory } = await import('../engine/inventory/build.ts');
      const inputs = await session.openInventoryInputs();
      try {
        const inventory = await buildInventory({ ...inputs, config: env.config });
        return { ...inventory, warnings: [...inputs.warnings, ...inventory.warnings] };
      } finally {
        inputs.close();
      }
    },
    startBackup: (opts) =>
      backupRun(async ({ signal, onEvent }) => {
        const { planBackup } = await import('../engine/backup/plan.ts');
        const { runBackup } = await import('../engine/backup/backup.ts');
        // Marked items: only they are captured (each source lists only what it needs for them).
        const plan = await planBackup({ config: env.config, kube: env.kube, env: session.env, items: opts.items });
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
        return out.sort((a, b) => Date.parse(b.time) - Date.parse(a.time));
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
  };
}
