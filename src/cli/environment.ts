import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../engine/config/load.ts';
import type { LifeboatConfig } from '../engine/config/schema.ts';
import type { KubeTarget } from '../engine/kube/kubeconfig.ts';
import type { CommandContext } from './command.ts';
import { CliError, UsageError } from './errors.ts';

export interface Environment {
  config: LifeboatConfig;
  configFile?: string;
  /** The cluster, or undefined when nothing names one. */
  kube?: KubeTarget;
}

/** The default lab's folder: `lifeboat lab up` puts it there, and lifeboat falls back to it. */
export function defaultLabDir(env: NodeJS.ProcessEnv): string {
  const state = env.XDG_STATE_HOME || path.join(env.HOME || os.homedir(), '.local', 'state');
  return path.join(state, 'lifeboat', 'lab');
}

/** Loads lifeboat.yaml; a broken one is a usage error (exit 2) naming the file and key. */
export function loadEnvironmentConfig(ctx: CommandContext): { config: LifeboatConfig; file?: string } {
  try {
    return loadConfig({
      file: ctx.globals.config ?? (ctx.env.LIFEBOAT_CONFIG || undefined),
      fileFrom: ctx.globals.config ? '--config' : 'LIFEBOAT_CONFIG',
      cwd: ctx.cwd,
      env: ctx.env,
      // With nothing configured, a running default lab is the environment (so `npm start` works).
      fallbacks: [path.join(defaultLabDir(ctx.env), 'lifeboat.yaml')],
    });
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
}

/**
 * The config file and the cluster, as the flags, the environment and lifeboat.yaml name them.
 * With `needCluster`, having no cluster at all is an error that says how to name one.
 */
export async function loadEnvironment(ctx: CommandContext, opts: { needCluster?: boolean } = {}): Promise<Environment> {
  // Loaded here: the Kubernetes client takes a second to load, and `lab up` should not wait for it.
  const { KubeconfigError, resolveKubeTarget } = await import('../engine/kube/kubeconfig.ts');
  const { config, file } = loadEnvironmentConfig(ctx);
  let kube: KubeTarget | undefined;
  try {
    kube = resolveKubeTarget({
      flag: ctx.globals.kubeconfig,
      contextFlag: ctx.globals.context,
      env: ctx.env,
      configKubeconfig: config.cluster?.kubeconfig,
      configContext: config.cluster?.context,
    });
  } catch (e) {
    if (e instanceof KubeconfigError) throw new UsageError(e.message);
    throw e;
  }
  if (!kube && opts.needCluster) {
    throw new CliError(
      "no cluster configured: pass --kubeconfig PATH, set KUBECONFIG, name one in lifeboat.yaml (cluster.kubeconfig), or start the lab with 'lifeboat lab up'",
    );
  }
  return { config, configFile: file, kube };
}
