// The redis source: an RDB snapshot of each configured Redis server, taken through the server,
// under /redis/<server>/dump.rdb; restored by loading it into a server (every key with its value
// and expiry) or by writing it where a server starts on it (--redis-target).
import type { SourceModule } from '../source.ts';
import { tcpAnswers } from '../tcp-probe.ts';
import { REDIS_CONFIG_SHAPE, redisItemId, redisWhere, type RedisConfig } from './config.ts';
import type { RedisAction } from './restore.ts';

declare module '../types.ts' {
  interface SourceNames {
    redis: true;
  }
}
declare module '../../restore/types.ts' {
  interface RestoreActions {
    redis: RedisAction;
  }
  interface RestoreOptions {
    /** Redis: write each RDB to <dir>/<server>/dump.rdb instead of loading it into a server. */
    redisTarget?: string;
  }
}
declare module '../../config/schema.ts' {
  interface LifeboatConfig {
    redis?: RedisConfig[];
  }
}

export const redisSourceModule: SourceModule = {
  kind: 'redis',
  snapshotPath: '/redis',
  itemPrefix: 'redis',
  config: {
    shape: REDIS_CONFIG_SHAPE,
    notConfigured: 'no Redis server: add redis[] (name, host, port, passwordFile) to lifeboat.yaml',
    resolvePaths(config, abs) {
      for (const r of config.redis ?? []) r.passwordFile = abs(r.passwordFile);
    },
  },
  endpoints: {
    kind: 'redis',
    list: (config) => (config.redis ?? []).map((r) => ({ name: r.name, address: `redis://${redisWhere(r)}` })),
    async probe(ep, { timeoutMs }) {
      const u = new URL(ep.address);
      await tcpAnswers(u.hostname, Number(u.port), timeoutMs);
      return 'Redis port open';
    },
  },
  async backup({ config, only }) {
    if (!config.redis?.length) return undefined;
    const { redisSource } = await import('./backup.ts');
    return redisSource({ servers: config.redis, only });
  },
  inventory: ({ config }) =>
    (config.redis ?? []).map((r) => ({
      id: redisItemId(r.name),
      group: 'databases',
      kind: 'Redis',
      name: r.name,
      source: 'redis' as const,
      verdict: 'needs-backup' as const,
      reason: `Redis server at ${redisWhere(r)}: an RDB snapshot through the server`,
    })),
  restore: {
    name: 'redis',
    title: 'Redis',
    label: 'Redis servers',
    byDefault: true,
    order: 64,
    plan: async (ctx) => (await import('./restore.ts')).planRedis(ctx),
    apply: async (job, ctx, actions) => (await import('./restore.ts')).applyRedis(job, ctx, actions as RedisAction[]),
  },
};
