import type { LifeboatConfig } from '../config/schema.ts';
import type { KubeTarget } from '../kube/kubeconfig.ts';

export type EndpointKind = 'cluster' | 'docker' | 'etcd' | 'registry' | 'prometheus' | 'database';

/** One thing lifeboat backs up from, as the config and kubeconfig name it. No credentials. */
export interface Endpoint {
  kind: EndpointKind;
  name: string;
  address: string;
}

/** Every source the configuration names, in a stable order. */
export function endpointsOf(config: LifeboatConfig, kube: KubeTarget | undefined, env: NodeJS.ProcessEnv): Endpoint[] {
  const out: Endpoint[] = [];
  if (kube) out.push({ kind: 'cluster', name: kube.context, address: kube.server });
  const dockerHost = config.docker?.host ?? env.DOCKER_HOST;
  if (dockerHost) out.push({ kind: 'docker', name: 'docker', address: dockerHost });
  for (const e of config.etcd?.endpoints ?? []) out.push({ kind: 'etcd', name: 'etcd', address: e });
  for (const r of config.registries ?? []) out.push({ kind: 'registry', name: r.url.replace(/^https?:\/\//, ''), address: r.url });
  for (const p of config.prometheus ?? []) out.push({ kind: 'prometheus', name: 'prometheus', address: p.url });
  for (const d of config.databases ?? []) {
    out.push({ kind: 'database', name: d.name, address: `postgresql://${d.host ?? '127.0.0.1'}:${d.port ?? 5432}/${d.database}` });
  }
  return out;
}
