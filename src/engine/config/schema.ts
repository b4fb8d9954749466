// The shape of lifeboat.yaml, as data: the validator walks it and reports each key by its path.
// Each leaf is a type tag; a field ending in '?' is optional. CONFIG_SHAPE holds the general
// sections; each source's module declares its own (sources/<kind>/index.ts, config.shape), and
// configShape() in sources/registry.ts puts them together.

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
  volumes?: { pathMap?: { from: string; to: string }[] };
  /** Recovery point objective in milliseconds (written as 24h, 30m, 7d in the file). */
  rpo?: number;
  lab?: { dir?: string };
}
