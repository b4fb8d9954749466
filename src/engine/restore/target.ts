// Where a restore goes, built from the configuration and a cluster: the CLI's `restore` and the
// wizard both use this, so a restore from either writes to the same places.
import type Docker from 'dockerode';
import type { LifeboatConfig } from '../config/schema.ts';
import type { KubeClient } from '../kube/client.ts';
import { EngineSession } from '../session.ts';
import type { KubeTarget } from '../kube/kubeconfig.ts';
import type { RestoreTarget } from './types.ts';

/**
 * The restore target over `kube` (the target context) and the configured Docker host, registries,
 * servers. Clients passed in `clients` (a session's) are used and left open; `close` closes the
 * ones made here.
 */
export async function restoreTarget(config: LifeboatConfig, kube: KubeTarget | undefined, env: NodeJS.ProcessEnv, clients: { kube?: KubeClient; docker?: Docker } = {}): Promise<RestoreTarget & { close(): void }> {
  const dockerHost = config.docker?.host ?? env.DOCKER_HOST;
  const own = new EngineSession({ config, kube, env });
  return {
    config,
    kube: kube ? (clients.kube ?? (await own.kubeClient())) : undefined,
    kubeContext: kube?.context,
    docker: clients.docker ?? (await own.docker()),
    dockerHost,
    registries: config.registries,
    prometheus: config.prometheus,
    databases: config.databases,
    pathMap: config.volumes?.pathMap,
    close: () => void own.close(),
  };
}
