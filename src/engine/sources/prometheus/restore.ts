// Prometheus: its configuration and rule files back to files, then a reload through /-/reload when
// asked. Under --prometheus-target DIR everything goes below DIR/<server> (Containment: checked
// names, no link followed); else only to the paths the configured server names as its own
// (prometheus-paths.ts), never to a path only the snapshot names.
import fs from 'node:fs';
import path from 'node:path';
import type { JobContext } from '../../jobs/runner.ts';
import { NotFoundError } from '../../repository/errors.ts';
import { findPath, listPath } from '../../repository/reader.ts';
import { restoreSnapshot } from '../../repository/restore.ts';
import { Containment, containedDir, unsafeNameReason } from '../../repository/contain.ts';
import { isServerRuleFile, serverPaths } from './paths.ts';
import { fetchWithDeadline } from '../../deadline.ts';
import { SNAPSHOT_PATHS } from '../sink.ts';
import { prometheusName } from './backup.ts';
import { applyEach, type ApplyContext } from '../../restore/apply-context.ts';
import type { SourcePlanContext } from '../../restore/plan.ts';
import { readWhole } from '../../restore/snapshot-objects.ts';
import type { ApplyResult, ItemResult, PrometheusAction } from '../../restore/types.ts';
import { mention } from '../../mentions.ts';

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
  const dir = ctx.options.prometheusTarget ? path.resolve(ctx.options.prometheusTarget) : undefined;
  for (const name of servers) {
    if (ctx.scope.names?.length && !ctx.scope.names.includes(name)) continue;
    const action: PrometheusAction = { source: 'prometheus', id: `prometheus:${name}`, title: `Prometheus ${name}`, verb: 'write', server: name, files: [], reason: '', warnings: [] };
    const unsafe = unsafeNameReason(name);
    if (unsafe) {
      // Fails when applied (exit 1): a hostile server name never passes as success.
      const reason = `refused: the snapshot names this server with ${unsafe}, which could lead outside the target; nothing of it is restored`;
      ctx.warnings.push(`prometheus: server ${JSON.stringify(name)}: ${reason}`);
      out.push({ ...action, id: `prometheus:${JSON.stringify(name)}`, title: `Prometheus ${JSON.stringify(name)}`, refused: reason, reason });
      continue;
    }
    const base = `${SNAPSHOT_PATHS.prometheus}/${name}`;
    const server = (ctx.target.prometheus ?? []).find((s) => prometheusName(s) === name);
    const { node: root } = await findPath(ctx.repo, ctx.snapshot, base);
    // Entries by their names as parts below `base`, each name checked: none may hold "/" or "..".
    const rules: string[][] = [];
    let hasConfig = false;
    let hasTsdb = false;
    const walk = async (treeId: string, parts: string[]): Promise<void> => {
      for (const n of (await ctx.repo.loadTree(treeId)).nodes) {
        const here = [...parts, n.name];
        const why = unsafeNameReason(n.name);
        if (why) {
          action.warnings.push(`Prometheus ${name}: ${base}/${parts.join('/')} holds ${why}: not restored`);
          continue;
        }
        if (here.length === 1 && n.name === 'prometheus.yml' && n.type === 'file') hasConfig = true;
        else if (here.length === 1 && n.name === 'tsdb' && n.type === 'dir') hasTsdb = true;
        else if (here[0] === 'rules' && n.type === 'file') rules.push(here.slice(1));
        if (n.type === 'dir' && n.subtree && (here[0] === 'rules' || here.length === 1) && n.name !== 'tsdb') await walk(n.subtree, here);
      }
    };
    if (root.subtree) await walk(root.subtree, []);
    if (dir) {
      const file = (parts: string[]) => ({ to: path.join(dir, name, ...parts), root: dir, parts: [name, ...parts] });
      if (hasConfig) action.files.push({ from: `${base}/prometheus.yml`, ...file(['prometheus.yml']) });
      for (const r of rules) action.files.push({ from: `${base}/rules/${r.join('/')}`, ...file(['rules', ...r]) });
      if (hasTsdb) action.files.push({ from: `${base}/tsdb`, ...file(['tsdb']), tree: true });
    } else if (server) {
      // The server's own paths, as the server says; never where the snapshot alone says.
      const said = await serverPaths(server, ctx.signal);
      if (hasConfig && said.configFile) action.files.push({ from: `${base}/prometheus.yml`, to: said.configFile });
      else if (hasConfig) action.warnings.push(`Prometheus ${name}: ${server.url} did not say where its configuration file is: prometheus.yml is not written (give ${mention('prometheusTarget', 'DIR')})`);
      for (const r of rules) {
        const to = `/${r.join('/')}`;
        if (isServerRuleFile(said, to)) action.files.push({ from: `${base}/rules/${r.join('/')}`, to });
        else action.warnings.push(`Prometheus ${name}: rule file ${to} is not one ${server.url} loads (its rule_files, its rules, prometheus[].ruleFiles): not written (give ${mention('prometheusTarget', 'DIR')} to get it)`);
      }
      if (hasTsdb) action.warnings.push(`Prometheus ${name}: its TSDB snapshot is restored only into a folder (${mention('prometheusTarget', 'DIR')}): copy it into storage.tsdb.path with Prometheus stopped`);
    }
    if (ctx.options.prometheusReload && server && !dir) action.reload = server.url;
    if (!action.files.length) {
      out.push({ ...action, verb: 'skip', reason: server || dir ? 'nothing to write' : `no Prometheus named ${name} is configured here: give ${mention('prometheusTarget', 'DIR')} to get its files` });
      continue;
    }
    action.reason = `${action.files.length} files${dir ? ` under ${path.join(dir, name)}` : ' to the paths the server names'}; files already there are ${ctx.options.existingPolicy && ctx.options.existingPolicy !== 'skip' ? 'overwritten' : `kept when they differ (${mention('existingPolicy', 'skip')})`}${action.reload ? `; then ${action.reload}/-/reload` : ''}`;
    out.push(action);
  }
  return out;
}

/** The content of a regular file at `p` (never through a link), or undefined when there is none. */
function currentContent(p: string): Buffer | 'other' | undefined {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(p);
  } catch {
    return undefined;
  }
  if (!st.isFile()) return 'other';
  const fd = fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  try {
    return fs.readFileSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes `data` at `p` through a new file renamed into place: a link there is replaced, never written through. */
function replaceFile(p: string, data: Buffer): void {
  const tmp = path.join(path.dirname(p), `.${path.basename(p)}.lifeboat-${process.pid}-${Date.now()}.tmp`);
  const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o644);
  try {
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, p);
}

export async function applyPrometheus(job: JobContext, ctx: ApplyContext, actions: PrometheusAction[]): Promise<ApplyResult> {
  const overwrite = (ctx.options.existingPolicy ?? 'skip') !== 'skip';
  job.progress({ phase: 'writing', itemsDone: 0, itemsTotal: actions.length });
  const items = await applyEach(job, actions, async (a, item): Promise<ItemResult> => {
    let written = 0;
    const kept: string[] = [];
    if (a.refused) throw new Error(a.refused);
    for (const f of a.files) {
      const to = f.root && f.parts ? new Containment(f.root).join(f.parts) : f.to;
      if (f.tree) {
        const into = f.root && f.parts ? containedDir(f.root, f.parts) : f.to;
        const r = await restoreSnapshot(ctx.repo, ctx.snapshot, into, { include: f.from, stripInclude: true, verify: true, signal: job.signal });
        if (r.errors.length) throw new Error(`TSDB into ${f.to}: ${r.errors.slice(0, 3).join('; ')}`);
        written++;
        continue;
      }
      const data = await readWhole(ctx.repo, (await findPath(ctx.repo, ctx.snapshot, f.from)).node);
      // Under the target every folder on the way is checked (no link followed); a server's own
      // folder is made as the server names it.
      if (f.root && f.parts) containedDir(f.root, f.parts.slice(0, -1));
      else fs.mkdirSync(path.dirname(to), { recursive: true });
      const now = currentContent(to);
      if (now !== undefined) {
        if (now !== 'other' && now.equals(data)) continue;
        if (!overwrite) {
          kept.push(to);
          continue;
        }
      }
      replaceFile(to, data);
      written++;
    }
    let reloaded = '';
    if (a.reload && written) {
      const res = await job.retry(() => fetchWithDeadline(`${a.reload!.replace(/\/+$/, '')}/-/reload`, { method: 'POST', signal: job.signal }));
      if (!res.ok) throw new Error(`${a.reload}/-/reload answered HTTP ${res.status}: ${(await res.text()).trim().slice(0, 200)} (start Prometheus with --web.enable-lifecycle)`);
      reloaded = ', reloaded';
    }
    const keptText = kept.length ? `; kept ${kept.length} that differ (${mention('existingPolicy', 'skip')}): ${kept.join(', ')}` : '';
    return { ...item, outcome: written ? 'restored' : 'skipped', reason: `${written} of ${a.files.length} files written${reloaded}${keptText}` };
  });
  return { items };
}
