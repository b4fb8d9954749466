// The mariadb source: an app-consistent mariadb-dump of each database of each configured MariaDB
// or MySQL server under /mariadb/<server>/; restored with the mariadb client into an empty, new,
// mapped (--database-map) or recreated database.
import type { SourceModule } from '../source.ts';
import { tcpAnswers } from '../tcp-probe.ts';
import { MARIADB_CONFIG_SHAPE, mariadbServerId, mariadbWhere, type MariadbConfig } from './config.ts';
import type { MariadbAction } from './restore.ts';

declare module '../types.ts' {
  interface SourceNames {
    mariadb: true;
  }
}
declare module '../../restore/types.ts' {
  interface RestoreActions {
    mariadb: MariadbAction;
  }
  interface RestoreOptions {
    /** MariaDB: dumped database -> database restored into. */
    databaseMap?: Record<string, string>;
  }
}
declare module '../../config/schema.ts' {
  interface LifeboatConfig {
    mariadb?: MariadbConfig[];
  }
}

export const mariadbSourceModule: SourceModule = {
  kind: 'mariadb',
  snapshotPath: '/mariadb',
  itemPrefix: 'mariadb',
  config: {
    shape: MARIADB_CONFIG_SHAPE,
    notConfigured: 'no MariaDB/MySQL server: add mariadb[] (name, host, port, user, passwordFile) to lifeboat.yaml',
    resolvePaths(config, abs) {
      for (const m of config.mariadb ?? []) m.passwordFile = abs(m.passwordFile);
    },
  },
  endpoints: {
    kind: 'mariadb',
    list: (config) => (config.mariadb ?? []).map((m) => ({ name: m.name, address: `mysql://${m.host ?? '127.0.0.1'}:${m.port ?? 3306}` })),
    async probe(ep, { timeoutMs }) {
      const u = new URL(ep.address);
      await tcpAnswers(u.hostname, Number(u.port), timeoutMs);
      return 'MariaDB/MySQL port open';
    },
  },
  async backup({ config, only }) {
    if (!config.mariadb?.length) return undefined;
    const { mariadbSource } = await import('./backup.ts');
    return mariadbSource({ servers: config.mariadb, only });
  },
  inventory: ({ config }) =>
    (config.mariadb ?? []).map((m) => ({
      id: mariadbServerId(m.name),
      group: 'databases',
      kind: 'MariaDB',
      name: m.name,
      source: 'mariadb' as const,
      verdict: 'needs-backup' as const,
      reason: `MariaDB/MySQL server at ${mariadbWhere(m)}: ${m.databases?.length ? `databases ${m.databases.join(', ')}` : 'every database'} dumped in one transaction each`,
    })),
  restore: {
    name: 'mariadb',
    title: 'MariaDB/MySQL',
    label: 'MariaDB/MySQL databases',
    byDefault: true,
    order: 62,
    plan: async (ctx) => (await import('./restore.ts')).planMariadb(ctx),
    apply: async (job, ctx, actions) => (await import('./restore.ts')).applyMariadb(job, ctx, actions as MariadbAction[]),
  },
};
