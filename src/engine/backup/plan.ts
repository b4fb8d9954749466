import type Docker from 'dockerode';
import type { LifeboatConfig } from '../config/schema.ts';
import type { KubeClient } from '../kube/client.ts';
import { checkFilters } from './check-filters.ts';
import type { KubeTarget } from '../kube/kubeconfig.ts';
import { EngineSession } from '../session.ts';
import { sourceKinds, sourceModules, sourceOfItem } from '../sources/registry.ts';
import type { BackupContext } from '../sources/source.ts';
import type { BackupSource, ItemFilter, SourceKind } from '../sources/types.ts';

export interface BackupFilters {
  namespaces?: string[];
  resources?: string[];
  excludeResources?: string[];
  labelSelector?: string;
  includeGenerated?: boolean;
  allVersions?: boolean;
}

export interface PlanInput {
  config: LifeboatConfig;
  kube?: KubeTarget;
  env: NodeJS.ProcessEnv;
  /** Only these sources (default: every configured one). */
  only?: SourceKind[];
  /** Only these items, by inventory id (the TUI's marked items); their sources come along. */
  items?: string[];
  filters?: BackupFilters;
  signal?: AbortSignal;
  /** Clients to use (a session's), left open; without them the plan opens its own and closes them. */
  clients?: { kube?: KubeClient; docker?: Docker };
}

export interface BackupPlan {
  sources: BackupSource[];
  /** What planning could not find out (e.g. the PVs of an unreachable cluster). */
  warnings: string[];
  notConfigured: { kind: SourceKind; reason: string }[];
  /** Closes clients the plan opened. */
  close(): void;
}

/** A source asked for with --only but not configured: the error says what to add. */
export class NotConfiguredError extends Error {}

/** Which sources a backup runs, from the config, the cluster and --only. */
export async function planBackup(input: PlanInput): Promise<BackupPlan> {
  const { config, kube } = input;
  const filters = input.filters ?? {};
  const items = input.items?.length ? new Set(input.items) : undefined;
  const only: ItemFilter | undefined = items && ((id) => items.has(id));
  const kinds = sourceKinds();
  const itemSources = items && kinds.filter((k) => [...items].some((id) => sourceOfItem(id) === k));
  if (itemSources?.length === 0) throw new NotConfiguredError('no backup job captures the items asked for (they are skippable or out of reach)');
  const wanted = new Set(itemSources ?? (input.only?.length ? input.only : kinds));
  // Clients not given are the plan's own, from a session of its own, closed with the plan.
  const own = new EngineSession({ config, kube, env: input.env });
  const client = kube ? (input.clients?.kube ?? (await own.kubeClient())) : undefined;
  const namespaces = filters.namespaces ?? config.cluster?.namespaces;
  try {
    await checkFilters(client, { ...filters, namespaces }, input.signal);
  } catch (e) {
    void own.close();
    throw e;
  }
  const warnings: string[] = [];
  const dockerHost = config.docker?.host ?? input.env.DOCKER_HOST;
  const docker = input.clients?.docker ?? (await own.docker());
  const ctx: BackupContext = { config, env: input.env, kube: client, docker, dockerHost, namespaces, filters, only, items, signal: input.signal, warnings };
  const sources: BackupSource[] = [];
  const notConfigured: BackupPlan['notConfigured'] = [];
  try {
    for (const module of sourceModules()) {
      const { kind } = module;
      if (!wanted.has(kind)) continue;
      const source = await module.backup(ctx);
      if (source) sources.push(source);
      else {
        if (input.only?.includes(kind) || itemSources?.includes(kind)) throw new NotConfiguredError(`${kind} cannot be backed up: ${module.config.notConfigured}`);
        notConfigured.push({ kind, reason: module.config.notConfigured });
      }
    }
  } catch (e) {
    void own.close();
    throw e;
  }
  return { sources, notConfigured, warnings, close: () => void own.close() };
}
