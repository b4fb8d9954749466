// The etcd source: one snapshot of the cluster's database, checked against its trailing SHA-256;
// restored into a new data directory, only when asked for by name.
import type { EtcdAction } from '../../restore/types.ts';
import { SNAPSHOT_PATHS } from '../sink.ts';
import type { SourceModule } from '../source.ts';
import { classifyEtcd } from './inventory.ts';

declare module '../types.ts' {
  interface SourceNames {
    etcd: true;
  }
}
declare module '../../restore/types.ts' {
  interface RestoreActions {
    etcd: EtcdAction;
  }
}

export const etcdSourceModule: SourceModule = {
  kind: 'etcd',
  snapshotPath: SNAPSHOT_PATHS.etcd,
  itemPrefix: 'etcd',
  config: {
    shape: { 'etcd?': { 'endpoints?': 'string[]', 'ca?': 'string', 'cert?': 'string', 'key?': 'string' } },
    notConfigured: 'no etcd endpoints: add etcd.endpoints to lifeboat.yaml',
    resolvePaths(config, abs) {
      for (const k of ['ca', 'cert', 'key'] as const) if (config.etcd?.[k]) config.etcd[k] = abs(config.etcd[k]);
    },
  },
  endpoints: {
    kind: 'etcd',
    list: (config) => (config.etcd?.endpoints ?? []).map((e) => ({ name: 'etcd', address: e })),
    async probe(ep, { signal }) {
      const res = await fetch(new URL('/version', ep.address), { signal });
      const v = (await res.json()) as { etcdserver?: string };
      return `etcd ${v.etcdserver ?? '?'}`;
    },
  },
  async backup({ config }) {
    if (!config.etcd?.endpoints?.length) return undefined;
    const { etcdSource } = await import('./backup.ts');
    return etcdSource({ endpoints: config.etcd.endpoints, ca: config.etcd.ca, cert: config.etcd.cert, key: config.etcd.key });
  },
  inventory: ({ config }) => classifyEtcd(config.etcd?.endpoints?.length ? [config.etcd.endpoints.join(', ')] : []),
  restore: {
    name: 'etcd',
    title: 'etcd',
    label: 'etcd (into a new data dir)',
    byDefault: false,
    order: 40,
    plan: async (ctx) => (await import('./restore.ts')).planEtcd(ctx),
    apply: async (job, ctx, actions) => (await import('./restore.ts')).applyEtcd(job, ctx, actions as EtcdAction[]),
  },
};
