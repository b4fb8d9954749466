// The shape of lifeboat.yaml, as data: the validator walks it and reports each key by its path.
// Each leaf is a type tag; a field ending in '?' is optional.
import { BUCKETS_CONFIG_SHAPE, type BucketConfig } from '../sources/buckets/config.ts';
import { MARIADB_CONFIG_SHAPE, type MariadbConfig } from '../sources/mariadb/config.ts';
import { REDIS_CONFIG_SHAPE, type RedisConfig } from '../sources/redis/config.ts';

export type Leaf = 'string' | 'number' | 'boolean' | 'duration' | 'string[]';
export type Shape = Leaf | { [key: string]: Shape } | [Shape];

export const CONFIG_SHAPE: Record<string, Shape> = {
  'cluster?': {
    'kubeconfig?': 'string',
    'context?': 'string',
    'namespaces?': 'string[]',
    'optOutLabel?': 'string',
  },
  'repository?': {
    'url?': 'string',
    'passwordFile?': 'string',
  },
  'docker?': {
    'host?': 'string',
  },
  'etcd?': {
    'endpoints?': 'string[]',
    'ca?': 'string',
    'cert?': 'string',
    'key?': 'string',
  },
  'registries?': [
    {
      url: 'string',
      'username?': 'string',
      'passwordFile?': 'string',
      'insecureSkipTLSVerify?': 'boolean',
      'repositories?': 'string[]',
    },
  ],
  'images?': 'string[]',
  'prometheus?': [
    {
      url: 'string',
      'ruleFiles?': 'string[]',
      'tsdbSnapshot?': 'boolean',
    },
  ],
  'databases?': [
    {
      name: 'string',
      'kind?': 'string',
      'host?': 'string',
      'port?': 'number',
      'user?': 'string',
      database: 'string',
      'passwordFile?': 'string',
      'workload?': 'string',
    },
  ],
  ...MARIADB_CONFIG_SHAPE,
  ...REDIS_CONFIG_SHAPE,
  ...BUCKETS_CONFIG_SHAPE,
  'volumes?': {
    'pathMap?': [{ from: 'string', to: 'string' }],
  },
  'rpo?': 'duration',
  'lab?': {
    'dir?': 'string',
  },
};

export interface RegistryConfig {
  url: string;
  username?: string;
  passwordFile?: string;
  insecureSkipTLSVerify?: boolean;
  repositories?: string[];
}

export interface PrometheusConfig {
  url: string;
  ruleFiles?: string[];
  tsdbSnapshot?: boolean;
}

export interface DatabaseConfig {
  name: string;
  kind?: string;
  host?: string;
  port?: number;
  user?: string;
  database: string;
  passwordFile?: string;
  /** The workload it runs as in the cluster (`namespace/name`), so the inventory counts it covered. */
  workload?: string;
}

export interface LifeboatConfig {
  cluster?: { kubeconfig?: string; context?: string; namespaces?: string[]; optOutLabel?: string };
  repository?: { url?: string; passwordFile?: string };
  docker?: { host?: string };
  etcd?: { endpoints?: string[]; ca?: string; cert?: string; key?: string };
  registries?: RegistryConfig[];
  images?: string[];
  prometheus?: PrometheusConfig[];
  databases?: DatabaseConfig[];
  mariadb?: MariadbConfig[];
  redis?: RedisConfig[];
  buckets?: BucketConfig[];
  volumes?: { pathMap?: { from: string; to: string }[] };
  /** Recovery point objective in milliseconds (written as 24h, 30m, 7d in the file). */
  rpo?: number;
  lab?: { dir?: string };
}
