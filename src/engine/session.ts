// One engine session: what a command or the TUI resolved once (the config, the cluster, the
// Docker host, where the repository is and its password) and what it opened once from that (the
// repository, its key derived by scrypt a single time; the Kubernetes and Docker clients). The
// CLI builds one per command and the TUI one for its whole run; both hand it to the engine.
import type Docker from 'dockerode';
import type { LifeboatConfig } from './config/schema.ts';
import type { KubeClient } from './kube/client.ts';
import type { KubeTarget } from './kube/kubeconfig.ts';
import type { RetryOptions } from './jobs/retry.ts';
import type { Backend } from './repository/backend/backend.ts';
import type { RepositoryLocation } from './repository/backend/location.ts';
import type { Repository } from './repository/repository.ts';
import type { RestoreTarget } from './restore/types.ts';

/** Where the repository is and the password that opens it. */
export interface RepositoryAccess {
  location: RepositoryLocation;
  password: string;
}

export interface SessionOptions {
  config: LifeboatConfig;
  configFile?: string;
  /** The current cluster, or undefined when nothing names one. */
  kube?: KubeTarget;
  /** The process environment (DOCKER_HOST, the sources' credentials). */
  env: NodeJS.ProcessEnv;
  /**
   * Where the repository is and its password, asked for when the repository is first needed. A
   * throw (no password, an unknown scheme) fails that call only: the next one asks again.
   */
  repository?: () => RepositoryAccess;
  /** Opens the backend of a location (default: the engine's, `repository/backend/location.ts`). */
  openBackend?: (location: RepositoryLocation, env: NodeJS.ProcessEnv) => Backend;
  /** The cluster of another kubeconfig context (a restore into another cluster). */
  kubeFor?: (context: string) => Promise<KubeTarget | undefined>;
}

/** A restore target the session built; `close` closes what it opened for it alone. */
export type SessionRestoreTarget = RestoreTarget & { close(): void };

export class EngineSession {
  private repo?: Promise<Repository>;
  private readonly kubeClients = new Map<string, KubeClient>();
  private dockerClient?: Promise<Docker | undefined>;

  constructor(private readonly opts: SessionOptions) {}

  get config(): LifeboatConfig {
    return this.opts.config;
  }

  get configFile(): string | undefined {
    return this.opts.configFile;
  }

  get kube(): KubeTarget | undefined {
    return this.opts.kube;
  }

  get env(): NodeJS.ProcessEnv {
    return this.opts.env;
  }

  /** How the Docker engine is named: the config's docker.host, else $DOCKER_HOST. */
  get dockerHost(): string | undefined {
    return this.opts.config.docker?.host ?? this.opts.env.DOCKER_HOST;
  }

  /**
   * The repository, opened on the first call and kept: later calls get the same one, its index
   * brought up to date with what was written since (by this session or another process).
   */
  async repository(): Promise<Repository> {
    if (this.repo) {
      const repo = await this.repo;
      await repo.refreshIndex();
      return repo;
    }
    const opening = this.open();
    this.repo = opening;
    // A failed open is not kept: a fixed password file or a started server works on the next call.
    opening.catch(() => {
      if (this.repo === opening) this.repo = undefined;
    });
    return opening;
  }

  private async open(): Promise<Repository> {
    if (!this.opts.repository) throw new Error('no repository is configured for this session');
    const { location, password } = this.opts.repository();
    const { Repository } = await import('./repository/repository.ts');
    const openBackend = this.opts.openBackend ?? (await import('./repository/backend/location.ts')).openBackend;
    return Repository.open(openBackend(location, this.opts.env), password);
  }

  /** The current cluster's API client (one per retry policy, kept), or undefined without a cluster. */
  async kubeClient(retry: Omit<RetryOptions, 'signal'> = {}): Promise<KubeClient | undefined> {
    if (!this.opts.kube) return undefined;
    const key = JSON.stringify(retry);
    let client = this.kubeClients.get(key);
    if (!client) {
      const { KubeClient } = await import('./kube/client.ts');
      client = new KubeClient(this.opts.kube.kubeConfig, retry);
      this.kubeClients.set(key, client);
    }
    return client;
  }

  /** The Docker engine's client (kept), or undefined when no Docker host is configured. */
  docker(): Promise<Docker | undefined> {
    this.dockerClient ??= (async () => {
      const host = this.dockerHost;
      if (!host) return undefined;
      const { dockerClient } = await import('./environment/probe.ts');
      return dockerClient(host);
    })();
    return this.dockerClient;
  }

  /** The cluster of a kubeconfig context; undefined or the current one: the session's cluster. */
  async clusterFor(context?: string): Promise<KubeTarget | undefined> {
    if (!context || context === this.opts.kube?.context || !this.opts.kubeFor) return this.opts.kube;
    return this.opts.kubeFor(context);
  }

  /**
   * Where a restore goes: the cluster of `context` (default the current one) and the configured
   * Docker host, registries and servers. The current cluster's client is the session's; another
   * context's is opened for this target and closed with it.
   */
  async restoreTarget(context?: string): Promise<SessionRestoreTarget> {
    const { restoreTarget } = await import('./restore/target.ts');
    const cluster = await this.clusterFor(context);
    const own = cluster === this.opts.kube;
    return restoreTarget(this.opts.config, cluster, this.opts.env, {
      kube: own ? await this.kubeClient() : undefined,
      docker: await this.docker(),
    });
  }

  /** Closes what the session opened. */
  async close(): Promise<void> {
    for (const c of this.kubeClients.values()) c.close();
    this.kubeClients.clear();
    const repo = this.repo;
    this.repo = undefined;
    if (repo) await (await repo.catch(() => undefined))?.close();
  }
}
