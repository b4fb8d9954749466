import type { CommandContext } from '../cli/command.ts';
import type { Repository } from '../engine/repository/repository.ts';
import type { SnapshotInfo } from '../engine/repository/snapshot.ts';
import { SOURCE_KINDS, type SourceKind } from '../engine/sources/types.ts';
import { backupRun, summaryOf } from './backupRun.ts';
import type { SnapshotSummary, TuiServices } from './services.ts';

// TuiServices over the real engine, for `lifeboat` with no subcommand. Each call opens what it
// needs and closes it again, so the UI holds no repository lock while it only shows things.
// Engine modules load lazily: the UI opens before Kubernetes and Docker clients are imported.

const MANIFEST_PATH = '/lifeboat/manifest.json';

/** A snapshot as the backups screen lists it; status and sources come from lifeboat's tags. */
export function snapshotSummary(s: SnapshotInfo): SnapshotSummary {
  const tags = s.tags ?? [];
  const fromPaths = s.paths.map((p) => p.replace(/^\//, '')).filter((p): p is SourceKind => SOURCE_KINDS.includes(p as SourceKind));
  return {
    id: s.id,
    shortId: s.id.slice(0, 8),
    time: s.time,
    hostname: s.hostname,
    tags: tags.filter((t) => t !== 'lifeboat' && t !== 'complete' && t !== 'partial' && !SOURCE_KINDS.includes(t as SourceKind)),
    sources: fromPaths,
    status: tags.includes('partial') ? 'partial' : 'complete',
  };
}

export async function engineServices(ctx: CommandContext): Promise<TuiServices> {
  const { loadEnvironment } = await import('../cli/environment.ts');
  const { endpointsOf } = await import('../engine/environment/endpoints.ts');
  const { probeEndpoints } = await import('../engine/environment/probe.ts');
  const { openRepository, repositoryLocation } = await import('../cli/repository-options.ts');
  const env = await loadEnvironment(ctx);
  const withRepo = async <T>(fn: (repo: Repository) => Promise<T>): Promise<T> => {
    const repo = await openRepository(ctx);
    try {
      return await fn(repo);
    } finally {
      await repo.close();
    }
  };
  let repository: string | undefined;
  try {
    repository = repositoryLocation(ctx);
  } catch {
    repository = undefined;
  }
  return {
    context: env.kube?.context,
    configFile: env.configFile,
    repository,
    probe: () => probeEndpoints(endpointsOf(env.config, env.kube, ctx.env), env.kube),
    // ENGINE PLUG-IN (inventory): replace with the inventory engine's entry point (observe +
    // classify + applyCoverage over the snapshots' manifests) once src/engine/inventory exports one.
    loadInventory: async () => {
      throw new Error('the inventory engine is not plugged in yet (src/screens/engineServices.ts)');
    },
    startBackup: (opts) =>
      backupRun(async ({ signal, onEvent }) => {
        const { planBackup } = await import('../engine/backup/plan.ts');
        const { runBackup } = await import('../engine/backup/backup.ts');
        // ENGINE PLUG-IN (marked items): the plan takes sources, not item ids; until the engine
        // can back up single items, marked items narrow the backup to their sources.
        const only = opts.items ? [...new Set(opts.items.map((id) => id.split(':')[0]!).filter((k) => SOURCE_KINDS.includes(k as SourceKind)))] : undefined;
        const plan = await planBackup({ config: env.config, kube: env.kube, env: ctx.env, only: only as SourceKind[] | undefined });
        return withRepo(async (repo) => {
          const cluster = env.kube ? { context: env.kube.context, server: env.kube.server } : undefined;
          const report = await runBackup({ repo, plan, version: '0.1.0', cluster, signal, onEvent });
          return summaryOf(report.results, report.snapshot);
        });
      }),
    listSnapshots: () =>
      withRepo(async (repo) => {
        const list = await repo.listSnapshots();
        return list.map(snapshotSummary).sort((a, b) => Date.parse(b.time) - Date.parse(a.time));
      }),
    readManifest: (id) =>
      withRepo(async (repo) => {
        const { findPath, readFile } = await import('../engine/repository/reader.ts');
        const snap = await repo.findSnapshot(id);
        const { node } = await findPath(repo, snap, MANIFEST_PATH);
        const parts: Buffer[] = [];
        for await (const b of readFile(repo, node)) parts.push(b);
        return JSON.parse(Buffer.concat(parts).toString('utf8')) as unknown;
      }),
  };
}
