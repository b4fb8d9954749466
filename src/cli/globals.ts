import type { OptionSpec } from './command.ts';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../engine/deadline.ts';
import { UsageError } from './errors.ts';

// Global flags follow kubectl (cluster) and restic (repository) habits, so an SRE's fingers
// already know them.
export const GLOBAL_OPTIONS = {
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  repo: { type: 'string', short: 'r' },
  'password-file': { type: 'string' },
  config: { type: 'string' },
  json: { type: 'boolean' },
  'request-timeout': { type: 'string' },
  'no-color': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} satisfies OptionSpec;

export const GLOBAL_HELP: Record<keyof typeof GLOBAL_OPTIONS, string> = {
  kubeconfig: 'kubeconfig file (else $KUBECONFIG, the config file, ~/.kube/config)',
  context: 'kubeconfig context to use (else the config file, the current context)',
  repo: 'repository location (else $LIFEBOAT_REPOSITORY, the config file)',
  'password-file': 'file holding the repository password (else $LIFEBOAT_PASSWORD)',
  config: 'lifeboat.yaml to use (else ./lifeboat.yaml, $XDG_CONFIG_HOME/lifeboat/lifeboat.yaml)',
  json: 'print data as JSON',
  'request-timeout': 'seconds any server (Kubernetes, etcd, Docker, registries, Prometheus, PostgreSQL, S3) may leave a call unanswered (else $LIFEBOAT_REQUEST_TIMEOUT, 30)',
  'no-color': 'no colour (also NO_COLOR)',
  help: 'show help',
  version: "print lifeboat's version",
};

export interface GlobalOptions {
  kubeconfig?: string;
  context?: string;
  repo?: string;
  passwordFile?: string;
  config?: string;
  json: boolean;
  noColor: boolean;
  /** The deadline for each call to a server, in milliseconds. */
  requestTimeoutMs: number;
}

/** --request-timeout, else $LIFEBOAT_REQUEST_TIMEOUT, else 30 s; a bad value is a usage error. */
function requestTimeoutFrom(values: Record<string, unknown>, env: NodeJS.ProcessEnv): number {
  const flag = typeof values['request-timeout'] === 'string' ? (values['request-timeout'] as string) : undefined;
  const text = flag ?? (env.LIFEBOAT_REQUEST_TIMEOUT || undefined);
  if (text === undefined) return DEFAULT_REQUEST_TIMEOUT_MS;
  const seconds = Number(text);
  if (!/^\s*\d+(\.\d+)?\s*$/.test(text) || !(seconds > 0)) {
    throw new UsageError(`${flag !== undefined ? '--request-timeout' : 'LIFEBOAT_REQUEST_TIMEOUT'} needs a number of seconds above 0, not '${text.slice(0, 40)}'`);
  }
  return seconds * 1000;
}

export function globalsFrom(values: Record<string, unknown>, env: NodeJS.ProcessEnv): GlobalOptions {
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  return {
    kubeconfig: str('kubeconfig'),
    context: str('context'),
    repo: str('repo'),
    passwordFile: str('password-file'),
    config: str('config'),
    json: values.json === true,
    noColor: values['no-color'] === true || env.NO_COLOR !== undefined && env.NO_COLOR !== '',
    requestTimeoutMs: requestTimeoutFrom(values, env),
  };
}
