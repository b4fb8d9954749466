// What lifeboat.yaml says of a Redis server (`redis:` list) and how lifeboat reaches it. The
// password goes to redis-cli in its REDISCLI_AUTH variable (never on a command line) and to
// lifeboat's own client in AUTH.
import fs from 'node:fs';
import type { Shape } from '../../config/schema.ts';
import { errorLine } from '../../errors.ts';
import { respConnect, type RespClient } from './resp.ts';

export interface RedisConfig {
  name: string;
  host?: string;
  port?: number;
  /** An ACL user (Redis 6+); default the `default` user. */
  user?: string;
  passwordFile?: string;
  /** The workload it runs as in the cluster (`namespace/name`), so the inventory counts it covered. */
  workload?: string;
}

export const REDIS_CONFIG_SHAPE: Record<string, Shape> = {
  'redis?': [{ name: 'string', 'host?': 'string', 'port?': 'number', 'user?': 'string', 'passwordFile?': 'string', 'workload?': 'string' }],
};

export const redisWhere = (r: RedisConfig) => `${r.host ?? '127.0.0.1'}:${r.port ?? 6379}`;

export function redisPassword(r: RedisConfig): string | undefined {
  if (!r.passwordFile) return undefined;
  try {
    return fs.readFileSync(r.passwordFile, 'utf8').replace(/\r?\n$/, '');
  } catch (e) {
    throw new Error(`cannot read the password file ${r.passwordFile} of Redis server '${r.name}': ${errorLine(e)}`);
  }
}

/** redis-cli's arguments and environment for this server. */
export function redisCli(r: RedisConfig): { args: string[]; env: NodeJS.ProcessEnv } {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.REDISCLI_AUTH;
  const password = redisPassword(r);
  if (password !== undefined) env.REDISCLI_AUTH = password;
  return { args: ['-h', r.host ?? '127.0.0.1', '-p', String(r.port ?? 6379), ...(r.user ? ['--user', r.user] : []), '--no-auth-warning'], env };
}

export function redisClient(r: RedisConfig): Promise<RespClient> {
  return respConnect({ host: r.host ?? '127.0.0.1', port: r.port ?? 6379 }, { password: redisPassword(r), user: r.user });
}

/** The inventory and restore item of a Redis server. */
export const redisItemId = (server: string) => `redis:${server}`;
