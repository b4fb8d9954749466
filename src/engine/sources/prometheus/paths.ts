// Where a Prometheus server keeps its own files, as the server says: its configuration file
// (the config.file flag) and its rule files (the rule_files globs of its loaded configuration,
// relative to the configuration's folder, the files its rules API names, and prometheus[].ruleFiles
// of lifeboat.yaml). A restore writes a snapshot's rule file to its own path only when the server
// says that path is one of its rule files: a path in a snapshot alone never decides where to write.
import path from 'node:path';
import yaml from 'js-yaml';
import type { PrometheusConfig } from '../../config/schema.ts';
import { fetchWithDeadline, requestDeadlineMs } from '../../deadline.ts';

export interface ServerPaths {
  configFile?: string;
  /** Absolute globs (Go filepath.Match syntax) and paths of rule files. */
  rulePatterns: string[];
}

async function apiData<T>(url: string, apiPath: string, signal: AbortSignal | undefined, timeoutMs: number): Promise<T | undefined> {
  const res = await fetchWithDeadline(`${url.replace(/\/+$/, '')}${apiPath}`, { signal }, timeoutMs);
  if (!res.ok) return undefined;
  return ((await res.json()) as { data?: T }).data;
}

/** What `server` says about its files; what it does not answer stays unknown. */
export async function serverPaths(server: PrometheusConfig, signal?: AbortSignal, timeoutMs = requestDeadlineMs()): Promise<ServerPaths> {
  const out: ServerPaths = { rulePatterns: [...(server.ruleFiles ?? []).map((f) => path.resolve(f))] };
  const flags = await apiData<Record<string, string>>(server.url, '/api/v1/status/flags', signal, timeoutMs).catch(() => undefined);
  out.configFile = flags?.['config.file'] && path.isAbsolute(flags['config.file']) ? path.normalize(flags['config.file']) : undefined;
  const config = await apiData<{ yaml: string }>(server.url, '/api/v1/status/config', signal, timeoutMs).catch(() => undefined);
  try {
    const globs = (yaml.load(config?.yaml ?? '') as { rule_files?: unknown } | undefined)?.rule_files;
    const base = out.configFile ? path.dirname(out.configFile) : undefined;
    for (const g of Array.isArray(globs) ? globs : []) {
      if (typeof g !== 'string') continue;
      if (path.isAbsolute(g)) out.rulePatterns.push(path.normalize(g));
      else if (base) out.rulePatterns.push(path.join(base, g));
    }
  } catch {
    /* an unreadable configuration names no rule files */
  }
  const rules = await apiData<{ groups?: { file?: string }[] }>(server.url, '/api/v1/rules', signal, timeoutMs).catch(() => undefined);
  for (const g of rules?.groups ?? []) if (g.file && path.isAbsolute(g.file)) out.rulePatterns.push(path.normalize(g.file));
  return out;
}

/** Go's filepath.Match for one pattern against one absolute path: `*` and `?` stop at "/". */
export function globMatch(pattern: string, p: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) return false;
      let cls = pattern.slice(i + 1, end).replace(/\\/g, '\\\\');
      if (cls.startsWith('^')) cls = '^' + cls.slice(1);
      re += `[${cls}]`;
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length) re += pattern[++i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  try {
    return new RegExp(re + '$').test(p);
  } catch {
    return false;
  }
}

/** Whether the server names `file` (absolute, normalized, no "..") as one of its rule files. */
export function isServerRuleFile(paths: ServerPaths, file: string): boolean {
  if (!path.isAbsolute(file) || path.normalize(file) !== file || file.split('/').includes('..')) return false;
  return paths.rulePatterns.some((g) => globMatch(g, file));
}
