// What one backup source declares, in one module: its config section, its endpoint and probe, its
// backup job, what the inventory observes of it, its snapshot folder, its item ids, and its restore
// planner and applier. The engine reads sources only through the registry (registry.ts), so a new
// source is a folder with such a module plus one line there (docs/architecture.md, "A source").
import type Docker from 'dockerode';
import type { BackupFilters } from '../backup/plan.ts';
import type { LifeboatConfig, Shape } from '../config/schema.ts';
import type { Endpoint } from '../environment/endpoints.ts';
import type { KubeObject } from '../kube/client.ts';
import type { KubeClient } from '../kube/client.ts';
import type { ApiResource } from '../kube/discovery.ts';
import type { InventoryItem } from '../inventory/types.ts';
import type { JobContext } from '../jobs/runner.ts';
import type { ApplyContext } from '../restore/apply-context.ts';
import type { SourcePlanContext } from '../restore/plan.ts';
import type { ApplyResult, PlanAction, RestoreSource } from '../restore/types.ts';
import type { BackupSource, ItemFilter, SourceKind } from './types.ts';

/** What a source's backup factory gets: the config and the clients the plan opened once. */
export interface BackupContext {
  config: LifeboatConfig;
  env: NodeJS.ProcessEnv;
  /** The cluster's client, when one is configured. */
  kube?: KubeClient;
  docker?: Docker;
  /** How the Docker engine is named (`unix:///...`). */
  dockerHost?: string;
  /** The namespaces backed up (the filters', else the config's). */
  namespaces?: string[];
  filters: BackupFilters;
  /** Only these item ids (the TUI's marked items), when some are asked for. */
  only?: ItemFilter;
  items?: Set<string>;
  signal?: AbortSignal;
  /** What planning could not find out, one line each. */
  warnings: string[];
}

/**
 * What the inventory observed once, for every source to read: the cluster's objects and the
 * Docker engine's volumes and images (absent when not configured or not readable).
 */
export interface InventoryContext {
  config: LifeboatConfig;
  signal?: AbortSignal;
  cluster?: {
    objects: { resource: ApiResource; obj: KubeObject }[];
    /** Image reference -> who uses it (`pod shop/api-7d9`). */
    imageUsers: Map<string, string[]>;
  };
  docker?: {
    volumes: string[];
    imageUsers: Map<string, string[]>;
    /** Canonical names of the images the engine holds. */
    engineImages: Set<string>;
  };
}

export interface SourceEndpoints {
  /** The endpoint kind `lifeboat info` shows (`etcd`, `registry`, `database`...). */
  kind: string;
  /** Every endpoint the config names for this source, in a stable order. No credentials. */
  list(config: LifeboatConfig): Omit<Endpoint, 'kind'>[];
  /** Asks one endpoint whether it answers; resolves to what answered (a version), throws why not. */
  probe(ep: Endpoint, opts: { timeoutMs: number; signal: AbortSignal }): Promise<string>;
}

export interface SourceRestore {
  /** The name a restore uses for it (`--only`, the plan's actions, the wizard's tree). */
  name: RestoreSource;
  /** The restore job's title. */
  title: string;
  /** How the wizard's "what to restore" tree names it. */
  label: string;
  /** Restored unless the scope names sources (etcd is asked for by name). */
  byDefault: boolean;
  /** Where its actions come in a plan and its row in the wizard (lower first). */
  order: number;
  /** Whether its planner reads the snapshot's Kubernetes objects (ctx.snapshotObjects). */
  readsObjects?: boolean;
  /** Restore names whose jobs must end before this one starts (volumes wait for the claims). */
  waitsFor?: RestoreSource[];
  plan(ctx: SourcePlanContext): Promise<PlanAction[]>;
  apply(job: JobContext, ctx: ApplyContext, actions: PlanAction[]): Promise<ApplyResult>;
}

export interface SourceModule {
  /**
   * The source's one name: `lifeboat backup --only`, the manifest's job kind, the snapshot's tag
   * and, as `/<kind>`, its top folder in the snapshot.
   */
  kind: SourceKind;
  /** Its top folder in the snapshot (`/<kind>`). */
  snapshotPath: string;
  /** The prefix of its item ids (`volume` for `volume:docker/pgdata`): one source per prefix. */
  itemPrefix: string;
  config: {
    /** Its sections of lifeboat.yaml, as the validator's shape (config/schema.ts). */
    shape: Record<string, Shape>;
    /** Why it is not configured, with what to add; said when a backup asks for it. */
    notConfigured: string;
    /** Makes the file paths of its sections absolute (`abs` resolves against the config file's folder). */
    resolvePaths?(config: LifeboatConfig, abs: (p: string | undefined) => string | undefined): void;
  };
  endpoints?: SourceEndpoints;
  /** Its backup job for this config, or undefined when nothing of it is configured. */
  backup(ctx: BackupContext): BackupSource | undefined | Promise<BackupSource | undefined>;
  /** Its inventory rows, classified (needs a backup, skippable, at risk) with the reason. */
  inventory?(ctx: InventoryContext): InventoryItem[] | Promise<InventoryItem[]>;
  restore?: SourceRestore;
}
