// The databases source: a pg_dump of each configured PostgreSQL database under
// /databases/<name>/; restored with pg_restore into an empty, new or recreated database.
import net from 'node:net';
import type { DatabaseAction } from '../../restore/types.ts';
import { databaseId } from '../item-ids.ts';
import { SNAPSHOT_PATHS } from '../sink.ts';
import type { SourceModule } from '../source.ts';
import { classifyDatabases } from './inventory.ts';

declare module '../types.ts' {
  interface SourceNames {
    databases: true;
  }
}
declare module '../../restore/types.ts' {
  interface RestoreActions {
    databases: DatabaseAction;
  }
}

function tcp(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port });
    s.setTimeout(timeoutMs, () => s.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    s.once('connect', () => (s.destroy(), resolve()));
    s.once('error', reject);
  });
}

export const databasesSourceModule: SourceModule = {
  kind: 'databases',
  snapshotPath: SNAPSHOT_PATHS.databases,
  itemPrefix: 'database',
  config: {
    shape: {
      'databases?': [{ name: 'string', 'kind?': 'string', 'host?': 'string', 'port?': 'number', 'user?': 'string', database: 'string', 'passwordFile?': 'string' }],
    },
    notConfigured: 'no databases: add databases[] to lifeboat.yaml',
    resolvePaths(config, abs) {
      for (const d of config.databases ?? []) d.passwordFile = abs(d.passwordFile);
    },
  },
  endpoints: {
    kind: 'database',
    list: (config) => (config.databases ?? []).map((d) => ({ name: d.name, address: `postgresql://${d.host ?? '127.0.0.1'}:${d.port ?? 5432}/${d.database}` })),
    async probe(ep, { timeoutMs }) {
      const u = new URL(ep.address);
      await tcp(u.hostname, Number(u.port), timeoutMs);
      return 'PostgreSQL port open';
    },
  },
  async backup({ config, only }) {
    const databases = (config.databases ?? []).filter((d) => !only || only(databaseId(d.name, d.database)));
    if (!databases.length) return undefined;
    const { postgresSource } = await import('./postgres.ts');
    return postgresSource({ databases });
  },
  inventory: ({ config }) => classifyDatabases((config.databases ?? []).map((d) => ({ name: d.name, database: d.database, address: `${d.host ?? '127.0.0.1'}:${d.port ?? 5432}` }))),
  restore: {
    name: 'databases',
    title: 'Databases',
    label: 'databases',
    byDefault: true,
    order: 60,
    plan: async (ctx) => (await import('./restore.ts')).planDatabases(ctx),
    apply: async (job, ctx, actions) => (await import('./restore.ts')).applyDatabases(job, ctx, actions as DatabaseAction[]),
  },
};
