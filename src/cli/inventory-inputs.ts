import type Docker from 'dockerode';
import type { CommandContext } from './command.ts';
import type { Environment } from './environment.ts';
import type { KubeClient } from '../engine/kube/client.ts';
import type { Repository } from '../engine/repository/repository.ts';

/** The clients an inventory reads through, opened from the environment; each is optional. */
export async function openInventoryInputs(ctx: CommandContext, env: Environment): Promise<{ kube?: KubeClient; docker?: Docker; repo?: Repository; warnings: string[]; close(): void }> {
  const warnings: string[] = [];
  const { KubeClient } = await import('../engine/kube/client.ts');
  const { dockerClient } = await import('../engine/environment/probe.ts');
  const kube = env.kube ? new KubeClient(env.kube.kubeConfig, { attempts: 3 }) : undefined;
  const host = env.config.docker?.host ?? ctx.env.DOCKER_HOST;
  const docker = host ? dockerClient(host) : undefined;
  let repo: Repository | undefined;
  try {
    const { openRepository } = await import('./repository-options.ts');
    repo = await openRepository(ctx);
  } catch (e) {
    warnings.push(`coverage unknown: ${(e as Error).message}`);
  }
  return {
    kube,
    docker,
    repo,
    warnings,
    close() {
      kube?.close();
      void repo?.close();
    },
  };
}
