import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { sourceModules, configShape } from '../sources/registry.ts';
import { CONFIG_SHAPE, type LifeboatConfig } from './schema.ts';
import { ConfigProblem, validate } from './validate.ts';

export const CONFIG_NAME = 'lifeboat.yaml';

/** A config file that cannot be used; the message is one line naming the file and the key. */
export class ConfigError extends Error {}

export interface LoadedConfig {
  config: LifeboatConfig;
  /** The file it came from, or undefined when no file was found (defaults). */
  file?: string;
}

export function xdgConfigHome(env: NodeJS.ProcessEnv): string {
  return env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), '.config');
}

/** Where lifeboat looks for its config file, in order. */
export function configCandidates(cwd: string, env: NodeJS.ProcessEnv): string[] {
  return [path.join(cwd, CONFIG_NAME), path.join(xdgConfigHome(env), 'lifeboat', CONFIG_NAME)];
}

/** Reads and validates one config file. Relative paths in it are taken from the file's folder. */
export function readConfigFile(file: string, from?: string): LifeboatConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const named = from ? ` (named by ${from})` : '';
    throw new ConfigError(
      code === 'ENOENT' ? `config file ${file}${named} does not exist: check the path` : `cannot read config file ${file}${named}: ${(e as Error).message.split('\n')[0]}`,
    );
  }
  let doc: unknown;
  try {
    doc = yaml.load(text, { filename: file });
  } catch (e) {
    const err = e as yaml.YAMLException;
    const where = err.mark ? ` at line ${err.mark.line + 1}, column ${err.mark.column + 1}` : '';
    throw new ConfigError(`${file}: not valid YAML${where} (${err.reason ?? err.message}): fix the syntax`);
  }
  if (doc === undefined || doc === null) return {};
  try {
    const config = validate(doc, configShape(CONFIG_SHAPE)) as LifeboatConfig;
    return resolvePaths(config, path.dirname(file));
  } catch (e) {
    if (e instanceof ConfigProblem) throw new ConfigError(`${file}: key ${e.message}`);
    throw e;
  }
}

function resolvePaths(config: LifeboatConfig, dir: string): LifeboatConfig {
  const abs = (p: string | undefined) => (p === undefined ? p : path.resolve(dir, p.replace(/^~(?=\/)/, os.homedir())));
  if (config.cluster?.kubeconfig) config.cluster.kubeconfig = abs(config.cluster.kubeconfig);
  if (config.repository?.passwordFile) config.repository.passwordFile = abs(config.repository.passwordFile);
  // A folder in the config is relative to the config file, with or without restic's local: prefix;
  // anything else (s3:, an unknown scheme) is left for the location parser to read or refuse.
  const url = config.repository?.url;
  if (url?.startsWith('local:') && url.length > 'local:'.length) config.repository!.url = `local:${abs(url.slice('local:'.length))}`;
  else if (url && !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(url)) config.repository!.url = abs(url);
  for (const source of sourceModules()) source.config.resolvePaths?.(config, abs);
  if (config.lab?.dir) config.lab.dir = abs(config.lab.dir);
  return config;
}

/** Finds the config file (--config, ./lifeboat.yaml, then the XDG config folder) and loads it. */
export function loadConfig(opts: { file?: string; fileFrom?: string; cwd: string; env: NodeJS.ProcessEnv; fallbacks?: string[] }): LoadedConfig {
  if (opts.file) return { config: readConfigFile(path.resolve(opts.cwd, opts.file), opts.fileFrom), file: path.resolve(opts.cwd, opts.file) };
  for (const candidate of [...configCandidates(opts.cwd, opts.env), ...(opts.fallbacks ?? [])]) {
    if (fs.existsSync(candidate)) return { config: readConfigFile(candidate), file: candidate };
  }
  return { config: {} };
}
