// Prometheus: its configuration and rule files back to files (the server's own paths, as its
// flags and the snapshot name them, or a folder given), then a reload through /-/reload when asked.
import fs from 'node:fs';
import path from 'node:path';
import type { JobContext } from '../jobs/runner.ts';
import { NotFoundError } from '../repository/errors.ts';
import { findPath, listPath, walkTree } from '../repository/reader.ts';
import { restoreSnapshot } from '../repository/restore.ts';
import { SNAPSHOT_PATHS } from '../sources/sink.ts';
import { prometheusName } from '../sources/prometheus.ts';
import { applyEach, type ApplyContext } from './apply-context.ts';
import type { SourcePlanContext } from './plan.ts';
import { readWhole } from './snapshot-objects.ts';
import type { ApplyResult, ItemResult, PrometheusAction } from './types.ts';

async function configFileOf(url: string, signal?: AbortSignal): Promise<string | undefined> {
  const res = await fetch(`${url.replace(/\/+$/, '')}/api/v1/status/flags`, { signal: AbortSignal.any([AbortSignal.timeout(10_000), ...(signal ? [signal] : [])]) });
  if (!res.ok) return undefined;
  return ((await res.json()) as { data?: Record<string, string> }).data?.['config.file'];
}

export async function planPrometheus(ctx: SourcePlanContext): Promise<PrometheusAction[]> {
  let servers: string[];
  try {
    servers = (await listPath(ctx.repo, ctx.snapshot, SNAPSHOT_PATHS.prometheus)).filter((e) => e.node.type === 'dir').map((e) => e.node.name);
  } catch (e) {
    if (e instanceof NotFoundError) return [];
    throw e;
  }
  if (ctx.narrowed && !ctx.scope.names?.length) return [];
  const out: PrometheusAction[] = [];
  const dir = ctx.options.prometheusTarget;
  for (const name of servers) {
    if (ctx.scope.names?.length && !ctx.scope.names.includes(name)) continue;
    const base = `${SNAPSHOT_PATHS.prometheus}/${name}`;
    const server = (ctx.target.prometheus ?? []).find((s) => prometheusName(s) === name);
    const action: PrometheusAction = { source: 'prometheus', id: `prometheus:${name}`, title: `Prometheus ${name}`, verb: 'write', server: name, files: [], reason: '', warnings: [] };
    const { node: root } = await findPath(ctx.repo, ctx.snapshot, base);
    const rules: string[] = [];
    let hasConfig = false;
    let hasTsdb = false;
    for await (const e of walkTree(ctx.repo, root.subtree!, base)) {
      if (e.path === `${base}/prometheus.yml`) hasConfig = true;
      else if (e.path === `${base}/tsdb`) hasTsdb = true;
      else if (e.path.startsWith(`${base}/rules/`) && e.node.type === 'file') rules.push(e.path);
    }
    let configTo: string | undefined;
    if (dir) configTo = path.join(dir, name, 'prometheus.yml');
    else if (server) {
      configTo = await configFileOf(server.url, ctx.signal).catch(() => undefined);
      if (!configTo) action.warnings.push(`Prometheus ${name}: ${server.url} did not say where its configuration file is: prometheus.yml is not written (give --prometheus-target DIR)`);
    }
    if (hasConfig && configTo) action.files.push({ from: `${base}/prometheus.yml`, to: configTo });
    for (const r of rules) action.files.push({ from: r, to: dir ? path.join(dir, name, r.slice(base.length + 1)) : r.slice(`${base}/rules`.length) });
    if (hasTsdb) {
      if (dir) action.files.push({ from: `${base}/tsdb`, to: path.join(dir, name, 'tsdb'), tree: true });
      else action.warnings.push(`Prometheus ${name}: its TSDB snapshot is restored only into a folder (--prometheus-target DIR): copy it into storage.tsdb.path with Prometheus stopped`);
    }
    if (ctx.options.prometheusReload && server && !dir) action.reload = server.url;
    if (!action.files.length) {
      out.push({ ...action, verb: 'skip', reason: server || dir ? 'nothing to write' : `no Prometheus named ${name} is configured here: give --prometheus-target DIR to get its files` });
      continue;
    }
    action.reason = `${action.files.length} files${dir ? ` under ${path.join(dir, name)}` : ' to their own paths'}; files already there are ${ctx.options.existingPolicy && ctx.options.existingPolicy !== 'skip' ? 'overwritten' : 'kept when they differ (--existing-resource-policy skip)'}${action.reload ? `; then ${action.reload}/-/reload` : ''}`;
    out.push(action);
  }
  return out;
}

export async function applyPrometheus(job: JobContext, ctx: ApplyContext, actions: PrometheusAction[]): Promise<ApplyResult> {
  const overwrite = (ctx.options.existingPolicy ?? 'skip') !== 'skip';
  job.progress({ phase: 'writing', itemsDone: 0, itemsTotal: actions.length });
  const items = await applyEach(job, actions, async (a, item): Promise<ItemResult> => {
    let written = 0;
    const kept: string[] = [];
    for (const f of a.files) {
      if (f.tree) {
        const r = await restoreSnapshot(ctx.repo, ctx.snapshot, f.to, { include: f.from, stripInclude: true, verify: true, signal: job.signal });
        if (r.errors.length) throw new Error(`TSDB into ${f.to}: ${r.errors.slice(0, 3).join('; ')}`);
        written++;
        continue;
      }
      const data = await readWhole(ctx.repo, (await findPath(ctx.repo, ctx.snapshot, f.from)).node);
      if (fs.existsSync(f.to)) {
        if (fs.readFileSync(f.to).equals(data)) continue;
        if (!overwrite) {
          kept.push(f.to);
          continue;
        }
      }
      fs.mkdirSync(path.dirname(f.to), { recursive: true });
      const tmp = `${f.to}.lifeboat-${process.pid}.tmp`;
      fs.writeFileSync(tmp, data, { mode: 0o644 });
      fs.renameSync(tmp, f.to);
      written++;
    }
    let reloaded = '';
    if (a.reload && written) {
      const res = await job.retry(() => fetch(`${a.reload!.replace(/\/+$/, '')}/-/reload`, { method: 'POST', signal: job.signal }));
      if (!res.ok) throw new Error(`${a.reload}/-/reload answered HTTP ${res.status}: ${(await res.text()).trim().slice(0, 200)} (start Prometheus with --web.enable-lifecycle)`);
      reloaded = ', reloaded';
    }
    const keptText = kept.length ? `; kept ${kept.length} that differ (--existing-resource-policy skip): ${kept.join(', ')}` : '';
    return { ...item, outcome: written ? 'restored' : 'skipped', reason: `${written} of ${a.files.length} files written${reloaded}${keptText}` };
  });
  return { items };
}
