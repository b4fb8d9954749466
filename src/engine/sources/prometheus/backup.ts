// The Prometheus source, per configured server: the configuration it has loaded (HTTP API), its
// rule files, and on request a TSDB snapshot through the admin API.
//
// Snapshot layout, for a server named <name> (its host and port unless given):
//   /prometheus/<name>/prometheus.yml       the loaded configuration, as /api/v1/status/config gives it
//   /prometheus/<name>/rules/<path>         each rule file, under its absolute path on the server
//   /prometheus/<name>/tsdb/                the TSDB snapshot's blocks (with tsdbSnapshot: true)
import fs from 'node:fs';
import path from 'node:path';
import type { PrometheusConfig } from '../../config/schema.ts';
import { fetchWithDeadline } from '../../deadline.ts';
import { RetryableHttpError, parseRetryAfter } from '../../jobs/retry.ts';
import type { JobContext } from '../../jobs/runner.ts';
import type { SnapshotSink } from '../sink.ts';
import { SNAPSHOT_PATHS } from '../sink.ts';
import type { BackupSource, CapturedItem, SkippedItem, SourceResult } from '../types.ts';
import { addTreeWithProgress, measureTree, type TreeTally } from '../walk.ts';
import { errorLine } from '../../errors.ts';
import { prometheusItemId } from '../item-ids.ts';

export interface PrometheusServer extends PrometheusConfig {
  /** The folder name in the snapshot; default the URL's host and port (`127.0.0.1-9090`). */
  name?: string;
  /**
   * The server's TSDB folder as lifeboat can read it (where `snapshots/<name>` appear); default
   * the server's own `storage.tsdb.path` flag when that is an absolute path readable here.
   */
  dataDir?: string;
  /** Leave the TSDB snapshot on the server's disk after copying it (default: remove it). */
  keepTsdbSnapshot?: boolean;
}

export interface PrometheusSourceOptions {
  servers: PrometheusServer[];
}

export function prometheusName(server: PrometheusServer): string {
  if (server.name) return server.name;
  try {
    const u = new URL(server.url);
    return `${u.hostname}-${u.port || (u.protocol === 'https:' ? '443' : '80')}${u.pathname.replace(/\/+$/, '').replace(/\//g, '-')}`;
  } catch {
    return server.url.replace(/[^A-Za-z0-9._-]+/g, '-');
  }
}

/** GET or POST an API path; 429 and 5xx are retryable errors, other failures plain ones. */
async function api<T>(ctx: JobContext, base: string, apiPath: string, method: 'GET' | 'POST' = 'GET'): Promise<T> {
  const url = `${base.replace(/\/+$/, '')}${apiPath}`;
  return ctx.retry(async () => {
    const res = await fetchWithDeadline(url, { method, signal: ctx.signal, what: `Prometheus ${method} ${url}` });
    const text = await res.text();
    if (res.status === 429 || res.status >= 500) {
      throw new RetryableHttpError(res.status, `${method} ${url}: HTTP ${res.status} ${text.slice(0, 200)}`, parseRetryAfter(res.headers.get('retry-after')));
    }
    let body: { status?: string; data?: T; error?: string };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new Error(`${method} ${url}: HTTP ${res.status}, not a Prometheus API answer: ${text.slice(0, 200)}`);
    }
    if (!res.ok || body.status !== 'success') {
      const hint = res.status === 404 && apiPath.includes('/admin/') ? ' (start Prometheus with --web.enable-admin-api for TSDB snapshots)' : '';
      throw new Error(`${method} ${url}: HTTP ${res.status} ${body.error ?? text.slice(0, 200)}${hint}`);
    }
    return body.data as T;
  });
}

function readable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.R_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

async function backupServer(ctx: JobContext, sink: SnapshotSink, server: PrometheusServer, result: SourceResult, tally: TreeTally): Promise<void> {
  const name = prometheusName(server);
  const base = `${SNAPSHOT_PATHS.prometheus}/${name}`;
  const add = (item: CapturedItem, tree = false) => {
    result.captured.push(item);
    result.bytes += item.bytes ?? 0;
    result.items += item.items ?? 1;
    if (tree) return; // addTreeWithProgress counted it
    for (const t of [tally.done, tally.total]) {
      t.bytes += item.bytes ?? 0;
      t.items += item.items ?? 1;
    }
    ctx.progress({ bytesDone: tally.done.bytes, itemsDone: tally.done.items, bytesTotal: tally.total.bytes, itemsTotal: tally.total.items });
  };
  const skip = (item: SkippedItem) => {
    ctx.warn(item.reason);
    result.skipped.push(item);
  };

  ctx.progress({ phase: `${name}: configuration` });
  const config = await api<{ yaml: string }>(ctx, server.url, '/api/v1/status/config');
  await sink.addFile(`${base}/prometheus.yml`, config.yaml, { mode: 0o644 });
  add({ id: prometheusItemId(name, 'config'), path: `${base}/prometheus.yml`, bytes: Buffer.byteLength(config.yaml), items: 1, details: { url: server.url } });

  // Rule files: the ones the server has loaded, and the ones the config names.
  ctx.progress({ phase: `${name}: rules` });
  const rules = await api<{ groups?: { file: string; name: string }[] }>(ctx, server.url, '/api/v1/rules');
  const groupsByFile = new Map<string, number>();
  for (const g of rules.groups ?? []) groupsByFile.set(g.file, (groupsByFile.get(g.file) ?? 0) + 1);
  const files = [...new Set([...groupsByFile.keys(), ...(server.ruleFiles ?? [])])].sort();
  for (const file of files) {
    ctx.signal.throwIfAborted();
    const id = prometheusItemId(name, `rules${path.resolve(file)}`);
    if (!readable(file)) {
      const loaded = groupsByFile.has(file) ? `loaded by ${server.url} (${groupsByFile.get(file)} groups) ` : 'named in prometheus[].ruleFiles ';
      skip({
        id,
        reason: `rule file ${file} ${loaded}cannot be read here: run lifeboat where that file is, or copy it to a readable path and list it in prometheus[].ruleFiles of lifeboat.yaml`,
      });
      continue;
    }
    const data = fs.readFileSync(file);
    const st = fs.statSync(file);
    const at = `${base}/rules${path.resolve(file)}`;
    await sink.addFile(at, data, { mode: st.mode & 0o7777, mtime: st.mtime });
    add({ id, path: at, bytes: data.length, items: 1, details: { file, groups: groupsByFile.get(file) ?? 0 } });
  }

  if (server.tsdbSnapshot) await tsdbSnapshot(ctx, sink, server, name, base, add, skip, tally);
}

async function tsdbSnapshot(
  ctx: JobContext,
  sink: SnapshotSink,
  server: PrometheusServer,
  name: string,
  base: string,
  add: (item: CapturedItem, tree?: boolean) => void,
  skip: (item: SkippedItem) => void,
  tally: TreeTally,
): Promise<void> {
  const id = prometheusItemId(name, 'tsdb');
  let dataDir = server.dataDir;
  if (!dataDir) {
    const flags = await api<Record<string, string>>(ctx, server.url, '/api/v1/status/flags');
    dataDir = flags['storage.tsdb.path'];
  }
  ctx.progress({ phase: `${name}: TSDB snapshot` });
  const snap = await api<{ name: string }>(ctx, server.url, '/api/v1/admin/tsdb/snapshot', 'POST');
  const dir = dataDir ? path.join(dataDir, 'snapshots', snap.name) : undefined;
  if (!dir || !path.isAbsolute(dir) || !fs.existsSync(dir)) {
    skip({
      id,
      reason: `TSDB snapshot ${snap.name} was made by ${server.url} in ${dataDir ?? '<its data folder>'}/snapshots/${snap.name}, which lifeboat cannot read here: run lifeboat where Prometheus' data folder is mounted and give its path as dataDir, or set tsdbSnapshot: false`,
    });
    return;
  }
  try {
    const size = await measureTree(dir, ctx.signal);
    tally.total.bytes += size.bytes;
    tally.total.items += size.items;
    const got = await addTreeWithProgress(ctx, sink, `${base}/tsdb`, dir, tally, `${name}: TSDB snapshot`);
    const blocks = fs.readdirSync(dir).filter((f) => fs.existsSync(path.join(dir, f, 'meta.json'))).length;
    add({ id, path: `${base}/tsdb`, bytes: got.bytes, items: got.items, details: { snapshot: snap.name, blocks, from: dir } }, true);
  } finally {
    if (!server.keepTsdbSnapshot) fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function prometheusSource(opts: PrometheusSourceOptions): BackupSource {
  return {
    kind: 'prometheus',
    title: 'Prometheus configuration, rules and TSDB',
    async run(ctx: JobContext, sink: SnapshotSink): Promise<SourceResult> {
      const result: SourceResult = { captured: [], skipped: [], bytes: 0, items: 0 };
      const tally: TreeTally = { done: { bytes: 0, items: 0 }, total: { bytes: 0, items: 0 } };
      const failures: string[] = [];
      ctx.progress({ phase: 'starting', bytesDone: 0, itemsDone: 0 });
      for (const server of opts.servers) {
        try {
          await backupServer(ctx, sink, server, result, tally);
        } catch (e) {
          if (ctx.signal.aborted) throw e;
          failures.push(`Prometheus ${server.url}: ${errorLine(e)}`);
        }
      }
      result.details = { servers: opts.servers.map(prometheusName) };
      if (failures.length) throw new Error(failures.join('; '));
      return result;
    },
  };
}
