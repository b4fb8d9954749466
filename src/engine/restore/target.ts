// Where a restore goes, built from the configuration and a cluster: the CLI's `restore` and the
// wizard both use this, so a restore from either writes to the same places.
import type { LifeboatConfig } from '../config/schema.ts';
import { dockerClient } from '../environment/probe.ts';
import { KubeClient } from '../kube/client.ts';
import type { KubeTarget } from '../kube/kubeconfig.ts';
import type { RestoreTarget } from './types.ts';

/** The restore target over `kube` (the target context) and the configured Docker host, registries, servers. */
export function restoreTarget(config: LifeboatConfig, kube: KubeTarget | undefined, env: NodeJS.ProcessEnv): RestoreTarget & { close(): void } {
  const dockerHost = config.docker?.host ?? env.DOCKER_HOST;
  const client = kube ? new KubeClient(kube.kubeConfig) : undefined;
  return {
    config,
    kube: client,
    kubeContext: kube?.context,
    docker: dockerHost ? dockerClient(dockerHost) : undefined,
    dockerHost,
    registries: config.registries,
    prometheus: config.prometheus,
    databases: config.databases,
    pathMap: config.volumes?.pathMap,
    close: () => client?.close(),
  };
}
