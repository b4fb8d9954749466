import type { LifeboatConfig } from '../config/schema.ts';
import type { KubeTarget } from '../kube/kubeconfig.ts';
import { sourceModules } from '../sources/registry.ts';

/**
 * What kind of thing an endpoint is: the environment's `cluster` and `docker` (several sources read
 * them), else the kind a source's module declares (`etcd`, `registry`, `prometheus`, `database`...).
 */
export type EndpointKind = string;

/** One thing lifeboat backs up from, as the config and kubeconfig name it. No credentials. */
export interface Endpoint {
  kind: EndpointKind;
  name: string;
  address: string;
}

/** Every source the configuration names, in a stable order: the cluster, Docker, then each source's. */
export function endpointsOf(config: LifeboatConfig, kube: KubeTarget | undefined, env: NodeJS.ProcessEnv): Endpoint[] {
  const out: Endpoint[] = [];
  if (kube) out.push({ kind: 'cluster', name: kube.context, address: kube.server });
  const dockerHost = config.docker?.host ?? env.DOCKER_HOST;
  if (dockerHost) out.push({ kind: 'docker', name: 'docker', address: dockerHost });
  for (const source of sourceModules()) {
    const eps = source.endpoints;
    if (eps) for (const ep of eps.list(config)) out.push({ kind: eps.kind, ...ep });
  }
  return out;
}
