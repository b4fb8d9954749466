import os from 'node:os';
// `lifeboat repo ...`: the backup repository itself (restic's format). `lifeboat snapshots`
// lives in snapshots.ts.
import path from 'node:path';
import type { Command, CommandContext } from '../command.ts';
import { CliError, EXIT, UsageError } from '../errors.ts';
import { asCliError, openRepository, reportDamage } from '../repository-options.ts';
import { numberFlag } from '../flags.ts';
import { checkRepository } from '../../engine/repository/check.ts';
import { applyPolicy, DEFAULT_GROUP_BY, forgetSnapshots, GROUP_FIELDS, policyIsEmpty, POLICY_KEYS, type GroupField, type KeepPolicy } from '../../engine/repository/forget.ts';
import { pruneRepository } from '../../engine/repository/prune.ts';
import { rebuildIndex } from '../../engine/repository/rebuild-index.ts';
import { listPath, walkTree } from '../../engine/repository/reader.ts';
import type { Repository } from '../../engine/repository/repository.ts';
import { restoreSnapshot } from '../../engine/repository/restore.ts';
import { SnapshotWriter } from '../../engine/repository/writer.ts';
import type { Node } from '../../engine/repository/tree.ts';

/** Progress on one stderr line, only when stderr is a terminal. */
function progressLine(ctx: CommandContext): { update(text: string): void; done(): void } {
  const tty = (ctx.stderr as { isTTY?: boolean }).isTTY === true;
  let last = 0;
  let shown = false;
  return {
    update(text) {
      if (!tty || Date.now() - last < 200) return;
      last = Date.now();
      shown = true;
      ctx.stderr.write(`\r\x1b[2K${text.slice(0, 150)}`);
    },
    done() {
      if (shown) ctx.stderr.write('\r\x1b[2K');
    },
  };
}

export function mib(n: number): string {
  return n >= 1 << 30 ? `${(n / (1 << 30)).toFixed(2)} GiB` : `${(n / (1 << 20)).toFixed(1)} MiB`;
}

async function withRepo<T>(ctx: CommandContext, fn: (repo: Repository) => Promise<T>): Promise<T> {
  const repo = await openRepository(ctx);
  try {
    return await fn(repo);
  } catch (e) {
    throw asCliError(e);
  } finally {
    reportDamage(ctx, repo);
    await repo.close();
  }
}

const initCommand: Command = {
  name: 'init',
  summary: 'create a new repository (restic format, version 2)',
  async run(ctx) {
    const repo = await openRepository(ctx, true);
    await repo.close();
    if (ctx.globals.json) ctx.json({ location: repo.backend.location, id: repo.config.id });
    else ctx.out(`created repository ${repo.config.id.slice(0, 10)} at ${repo.backend.location}`);
    return EXIT.ok;
  },
};

const backupPathCommand: Command = {
  name: 'backup-path',
  summary: 'back up a folder (or file) into a new snapshot',
  usage: 'DIR [--tag TAG]...',
  positionals: [1, 1],
  options: { tag: { type: 'string', multiple: true }, host: { type: 'string' } },
  optionHelp: { tag: 'tag the snapshot (repeatable)', host: 'hostname to record (default: this host)' },
  async run(ctx) {
    const dir = path.resolve(ctx.cwd, ctx.positionals[0]!);
    const tags = (ctx.values.tag as string[] | undefined) ?? [];
    return withRepo(ctx, async (repo) => {
      const line = progressLine(ctx);
      const started = Date.now();
      // restic's parent: the newest snapshot of the same path from the same host.
      const host = (ctx.values.host as string | undefined) ?? os.hostname();
      // listSnapshots is newest first.
      const parent = (await repo.listSnapshots()).find((sn) => sn.hostname === host && sn.paths.length === 1 && sn.paths[0] === dir);
      const w = await SnapshotWriter.start(repo, {
        parent: parent?.id,
        signal: ctx.signal,
        onProgress: (p) => line.update(`${mib(p.bytesDone)} read, ${p.itemsDone} items, ${mib(p.bytesNew)} new  ${p.path ?? ''}`),
      });
      let id: string;
      try {
        await w.addPath(dir);
        id = await w.commit({ tags, hostname: ctx.values.host as string | undefined, parent: parent?.id });
      } catch (e) {
        await w.abort();
        line.done();
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new CliError(`${dir} does not exist: give a folder to back up`);
        throw e;
      }
      line.done();
      const s = w.stats;
      const seconds = (Date.now() - started) / 1000;
      if (ctx.globals.json) {
        ctx.json({ snapshot: id, parent: parent?.id ?? null, path: dir, tags, items: s.itemsDone, filesUnchanged: s.filesUnchanged ?? 0, bytes: s.bytesDone, bytesNew: s.bytesNew, bytesWritten: s.bytesWritten, seconds });
      } else {
        ctx.err(`${s.itemsDone} items (${s.filesUnchanged ?? 0} files unchanged since ${parent ? parent.id.slice(0, 8) : 'no parent'}), ${mib(s.bytesDone)} read, ${mib(s.bytesNew)} new, ${mib(s.bytesWritten)} written in ${seconds.toFixed(1)} s`);
        ctx.out(id);
      }
      return EXIT.ok;
    });
  },
};

function modeString(n: Node): string {
  const t = { dir: 'd', symlink: 'l', file: '-', fifo: 'p', socket: 's', dev: 'b', chardev: 'c' }[n.type];
  const m = (n.mode ?? 0) & 0o777;
  const rwx = [6, 3, 0].map((s) => `${m & (4 << s) ? 'r' : '-'}${m & (2 << s) ? 'w' : '-'}${m & (1 << s) ? 'x' : '-'}`).join('');
  return t + rwx;
}

const lsCommand: Command = {
  name: 'ls',
  summary: "list a snapshot's files",
  usage: 'SNAPSHOT [PATH]',
  details: 'SNAPSHOT is a full id, a unique prefix of one, or "latest".',
  positionals: [1, 2],
  options: { recursive: { type: 'boolean' } },
  optionHelp: { recursive: 'list everything below PATH, not just its entries' },
  async run(ctx) {
    return withRepo(ctx, async (repo) => {
      const snap = await repo.findSnapshot(ctx.positionals[0]!);
      const at = ctx.positionals[1] ?? '/';
      let entries = await listPath(repo, snap, at);
      if (ctx.values.recursive) {
        const all = [];
        for (const e of entries) {
          all.push(e);
          if (e.node.type === 'dir' && e.node.subtree) for await (const d of walkTree(repo, e.node.subtree, e.path)) all.push(d);
        }
        entries = all;
      }
      if (ctx.globals.json) {
        ctx.json(entries.map((e) => ({ path: e.path, type: e.node.type, mode: e.node.mode, size: e.node.size ?? 0, mtime: e.node.mtime, linktarget: e.node.linktarget })));
      } else {
        for (const e of entries) {
          const link = e.node.type === 'symlink' ? ` -> ${e.node.linktarget}` : '';
          ctx.out(`${modeString(e.node)} ${String(e.node.size ?? 0).padStart(12)} ${(e.node.mtime ?? '').slice(0, 19)} ${e.path}${link}`);
        }
      }
      return EXIT.ok;
    });
  },
};

const restoreCommand: Command = {
  name: 'restore',
  summary: 'restore a snapshot (or one path of it) into a folder',
  usage: 'SNAPSHOT --target DIR [--include PATH]',
  positionals: [1, 1],
  options: { target: { type: 'string', short: 't' }, include: { type: 'string' } },
  optionHelp: { target: 'folder to restore into (created if missing)', include: 'restore only this path of the snapshot' },
  async run(ctx) {
    if (!ctx.values.target) throw new UsageError("'lifeboat repo restore' needs --target DIR: see 'lifeboat repo restore --help'");
    const target = path.resolve(ctx.cwd, ctx.values.target as string);
    return withRepo(ctx, async (repo) => {
      const snap = await repo.findSnapshot(ctx.positionals[0]!);
      const line = progressLine(ctx);
      const r = await repo.withLock(false, () =>
        restoreSnapshot(repo, snap, target, {
          include: ctx.values.include as string | undefined,
          signal: ctx.signal,
          onProgress: (p) => line.update(`${mib(p.bytesDone)} restored, ${p.itemsDone} items  ${p.path}`),
        }),
      );
      line.done();
      for (const e of r.errors) ctx.err(`lifeboat: ${e}`);
      if (ctx.globals.json) ctx.json({ snapshot: snap.id, target, ...r });
      else ctx.out(`restored ${r.files} files, ${r.dirs} dirs, ${r.symlinks} symlinks, ${mib(r.bytes)} from ${snap.id.slice(0, 8)} to ${target}`);
      return r.errors.length ? EXIT.failed : EXIT.ok;
    });
  },
};

const checkCommand: Command = {
  name: 'check',
  summary: 'check the repository (with --read-data: read and verify every blob)',
  options: { 'read-data': { type: 'boolean' } },
  optionHelp: { 'read-data': 'read every pack and verify every blob (slow: reads the whole repository)' },
  async run(ctx) {
    return withRepo(ctx, async (repo) => {
      const line = progressLine(ctx);
      const report = await repo.withLock(false, () =>
        checkRepository(repo, { readData: ctx.values['read-data'] === true, onProgress: (p) => line.update(`${p.phase}: ${p.done}/${p.total} packs`) }),
      );
      line.done();
      const ok = report.errors.length === 0 && report.damaged.length === 0;
      if (ctx.globals.json) {
        ctx.json({ ok, ...report });
        return ok ? EXIT.ok : EXIT.failed;
      }
      for (const w of report.warnings) ctx.err(`warning: ${w}`);
      for (const e of report.errors) ctx.out(`error: ${e}`);
      for (const d of report.damaged) {
        ctx.out(`damaged ${d.type} blob ${d.id} in pack ${d.pack} (${d.reason})`);
        ctx.out(`  used by: ${d.usedBy.length ? d.usedBy.join(', ') : 'no snapshot'}`);
      }
      if (ok) ctx.out(`no errors: ${report.snapshots} snapshots, ${report.packs} packs${ctx.values['read-data'] ? `, ${report.blobsRead} blobs read` : ''}`);
      else ctx.err(`lifeboat: the repository at ${repo.backend.location} is damaged: ${report.errors.length} errors, ${report.damaged.length} damaged blobs (see above)`);
      return ok ? EXIT.ok : EXIT.failed;
    });
  },
};

const policyOptions = Object.fromEntries(POLICY_KEYS.map((k) => [`keep-${k}`, { type: 'string' as const }]));

function policyFrom(ctx: CommandContext): KeepPolicy {
  const p: KeepPolicy = {};
  for (const k of POLICY_KEYS) {
    const v = ctx.values[`keep-${k}`];
    if (v === undefined) continue;
    p[k] = numberFlag(v, `--keep-${k}`, { integer: true })!;
  }
  if (policyIsEmpty(p)) throw new UsageError('forget needs a policy, e.g. --keep-last 7 or --keep-daily 7 --keep-weekly 4');
  return p;
}

function groupByFrom(v: unknown): GroupField[] {
  if (v === undefined) return DEFAULT_GROUP_BY;
  const fields = String(v).split(',').map((s) => s.trim()).filter(Boolean);
  for (const f of fields) if (!GROUP_FIELDS.includes(f as GroupField)) throw new UsageError(`--group-by takes host, paths and tags (comma-separated, or '' for one group), not '${f}'`);
  return fields as GroupField[];
}

const forgetCommand: Command = {
  name: 'forget',
  summary: 'remove snapshots a keep policy does not keep (with --prune, free their data)',
  usage: '--keep-last N --keep-daily N ... [--prune]',
  details: `As restic does, snapshots are first grouped by host and paths (--group-by), and the policy
keeps that many in each group: --keep-last 1 keeps the newest snapshot of every group. A lifeboat
backup's paths are its sources, so a backup of --only kubernetes is a group of its own.
--group-by '' makes all snapshots one group.`,
  options: { ...policyOptions, prune: { type: 'boolean' }, 'dry-run': { type: 'boolean' }, 'group-by': { type: 'string' } },
  optionHelp: {
    'keep-last': 'keep the N newest snapshots',
    'keep-hourly': 'keep the newest snapshot of each of the last N hours',
    'keep-daily': 'keep the newest snapshot of each of the last N days',
    'keep-weekly': 'keep the newest snapshot of each of the last N weeks',
    'keep-monthly': 'keep the newest snapshot of each of the last N months',
    'keep-yearly': 'keep the newest snapshot of each of the last N years',
    prune: 'then remove the data no snapshot uses',
    'group-by': "group snapshots by host, paths, tags (comma-separated; default host,paths; '' for one group)",
    'dry-run': 'only print what would be removed',
  },
  async run(ctx) {
    const policy = policyFrom(ctx);
    const groupBy = groupByFrom(ctx.values['group-by']);
    return withRepo(ctx, async (repo) => {
      const dry = ctx.values['dry-run'] === true;
      const r = dry ? applyPolicy(await repo.listSnapshots(), policy, groupBy) : await forgetSnapshots(repo, policy, { groupBy });
      const pruned = ctx.values.prune && !dry ? await pruneRepository(repo) : undefined;
      if (ctx.globals.json) {
        ctx.json({ keep: r.keep.map((s) => s.id), remove: r.remove.map((s) => s.id), groupBy, groups: r.groups, prune: pruned ?? null });
      } else {
        const by = groupBy.length ? `grouped by ${groupBy.join(' and ')}` : 'all in one group';
        ctx.out(`keep ${r.keep.length} snapshots, ${dry ? 'would remove' : 'removed'} ${r.remove.length} (${by}: ${r.groups.length} group${r.groups.length === 1 ? '' : 's'}, the policy applies to each)`);
        if (r.groups.length > 1) {
          for (const g of r.groups) {
            const what = [g.hostname !== undefined ? `host ${g.hostname || '(none)'}` : '', g.paths ? `paths ${g.paths.join(',')}` : '', g.tags ? `tags ${g.tags.join(',') || '(none)'}` : ''].filter(Boolean).join(', ');
            ctx.out(`  group ${what}: keep ${g.keep}, ${dry ? 'would remove' : 'remove'} ${g.remove}`);
          }
        }
        for (const s of r.remove) ctx.out(`  ${dry ? 'would remove' : 'removed'} ${s.id.slice(0, 8)} ${s.time.slice(0, 19)} ${s.paths.join(' ')}`);
        if (pruned) ctx.out(`prune: ${pruned.packsDeleted} packs deleted, ${pruned.packsRewritten} rewritten, ${mib(Math.max(0, pruned.bytesFreed))} freed`);
      }
      return EXIT.ok;
    });
  },
};

const pruneCommand: Command = {
  name: 'prune',
  summary: 'remove data no snapshot uses',
  async run(ctx) {
    return withRepo(ctx, async (repo) => {
      const r = await pruneRepository(repo);
      if (ctx.globals.json) ctx.json(r);
      else ctx.out(`${r.packsDeleted} packs deleted, ${r.packsRewritten} rewritten into ${r.packsWritten}, ${r.blobsRemoved} blobs removed, ${r.temporaryRemoved} temporary files removed, ${mib(Math.max(0, r.bytesFreed))} freed`);
      return EXIT.ok;
    });
  },
};

const rebuildIndexCommand: Command = {
  name: 'rebuild-index',
  summary: "write the index again from the packs' headers (after a damaged or lost index file), as restic rebuild-index",
  details: `Index files that load are kept in memory; every pack they do not name, or name with another
size, has its header read; packs they name that are missing are forgotten. New index files replace
all the old ones. Takes an exclusive lock.`,
  options: { 'read-all-packs': { type: 'boolean' } },
  optionHelp: { 'read-all-packs': 'read the header of every pack, ignoring the index files entirely' },
  async run(ctx) {
    return withRepo(ctx, async (repo) => {
      const r = await rebuildIndex(repo, { readAllPacks: ctx.values['read-all-packs'] === true, onProgress: (l) => (ctx.globals.json ? undefined : ctx.err(l)) });
      if (ctx.globals.json) ctx.json(r);
      else ctx.out(`indexed ${r.packsIndexed} packs (${r.packsRead} headers read) into ${r.indexesWritten} index files, replacing ${r.indexesRemoved} (${r.invalidIndexes.length} unreadable); ${r.packsMissing.length} missing packs forgotten, ${r.packsUnreadable.length} unreadable packs left out`);
      return r.packsUnreadable.length || r.packsMissing.length ? EXIT.failed : EXIT.ok;
    });
  },
};

export const repoCommand: Command = {
  name: 'repo',
  summary: 'the backup repository (restic format): init, back up a folder, list, restore, check, rebuild the index, forget, prune',
  details: `Repository: -r/--repo, else $LIFEBOAT_REPOSITORY, else repository.url in the config, else
the lifeboat folder in $XDG_DATA_HOME. A folder is PATH or local:PATH; use s3:http://host:port/bucket/prefix for S3
(credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY).
Password: --password-file, else $LIFEBOAT_PASSWORD, else repository.passwordFile in the config.
restic reads the same repository: restic -r LOCATION snapshots.`,
  subcommands: [initCommand, backupPathCommand, lsCommand, restoreCommand, checkCommand, rebuildIndexCommand, forgetCommand, pruneCommand],
};

