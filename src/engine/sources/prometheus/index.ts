// The Prometheus source: each server's configuration, rule files and (optionally) a TSDB
// snapshot under /prometheus/<server>; restored into the server's own paths or a folder.
import type { PrometheusAction } from '../../restore/types.ts';
import { prometheusItemId } from '../item-ids.ts';
import { SNAPSHOT_PATHS } from '../sink.ts';
import type { SourceModule } from '../source.ts';
import { prometheusName } from './backup.ts';
import { classifyPrometheus } from './inventory.ts';

declare module '../types.ts' {
  interface SourceNames {
    prometheus: true;
  }
}
declare module '../../restore/types.ts' {
  interface RestoreActions {
    prometheus: PrometheusAction;
  }
}

export const prometheusSourceModule: SourceModule = {
  kind: 'prometheus',
  snapshotPath: SNAPSHOT_PATHS.prometheus,
  itemPrefix: 'prometheus',
  config: {
    shape: { 'prometheus?': [{ url: 'string', 'ruleFiles?': 'string[]', 'tsdbSnapshot?': 'boolean' }] },
    notConfigured: 'no Prometheus: add prometheus[].url to lifeboat.yaml',
    resolvePaths(config, abs) {
      for (const p of config.prometheus ?? []) p.ruleFiles = p.ruleFiles?.map((f) => abs(f)!);
    },
  },
  endpoints: {
    kind: 'prometheus',
    list: (config) => (config.prometheus ?? []).map((p) => ({ name: 'prometheus', address: p.url })),
    async probe(ep, { signal }) {
      const res = await fetch(new URL('/api/v1/status/buildinfo', ep.address), { signal });
      const v = (await res.json()) as { data?: { version?: string } };
      return `Prometheus ${v.data?.version ?? '?'}`;
    },
  },
  async backup({ config, only }) {
    const servers = (config.prometheus ?? []).filter((p) => !only || only(prometheusItemId(prometheusName(p), 'config')));
    if (!servers.length) return undefined;
    const { prometheusSource } = await import('./backup.ts');
    return prometheusSource({ servers });
  },
  inventory: ({ config }) => classifyPrometheus((config.prometheus ?? []).map((p) => ({ name: prometheusName(p), url: p.url }))),
  restore: {
    name: 'prometheus',
    title: 'Prometheus',
    label: 'Prometheus config and rules',
    byDefault: true,
    order: 50,
    plan: async (ctx) => (await import('./restore.ts')).planPrometheus(ctx),
    apply: async (job, ctx, actions) => (await import('./restore.ts')).applyPrometheus(job, ctx, actions as PrometheusAction[]),
  },
};
