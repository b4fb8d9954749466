// Restoring MariaDB dumps (/mariadb/<server>/<database>.sql) with the `mariadb` client into the
// configured server of the same name: a missing database is created, an empty one used; one that
// holds tables is kept (skip), replaced table by table (update: the dump drops each table first)
// or dropped and made again (recreate). --database-map restores a database under another name.
import { mention } from '../../mentions.ts';
import type { JobContext } from '../../jobs/runner.ts';
import { listPath } from '../../repository/reader.ts';
import type { ApplyContext } from '../../restore/apply-context.ts';
import { applyEach } from '../../restore/apply-context.ts';
import { feedChild } from '../../restore/feed-child.ts';
import type { SourcePlanContext } from '../../restore/plan.ts';
import { scopedFolders } from '../../restore/snapshot-folders.ts';
import type { ApplyResult, ItemResult } from '../../restore/types.ts';
import { errorLine } from '../../errors.ts';
import { MARIADB_PATH } from './backup.ts';
import { mariadbItemId } from './config.ts';
import { mariadbConnection, mariadbIdent, mariadbLiteral, mariadbWhere, runMariadb, type MariadbConfig } from './config.ts';

export interface MariadbAction {
  source: 'mariadb';
  id: string;
  title: string;
  reason: string;
  warnings: string[];
  verb: 'restore' | 'create' | 'recreate' | 'update' | 'skip';
  from: string;
  server?: MariadbConfig;
  /** The database restored into (after --database-map). */
  database?: string;
}

async function tablesIn(server: MariadbConfig, database: string, signal?: AbortSignal): Promise<'missing' | number> {
  const conn = mariadbConnection(server);
  try {
    const [[exists = '0'] = []] = await runMariadb(conn, `SELECT count(*) FROM information_schema.schemata WHERE schema_name = ${mariadbLiteral(database)}`, { signal });
    if (exists === '0') return 'missing';
    const [[n = '0'] = []] = await runMariadb(conn, `SELECT count(*) FROM information_schema.tables WHERE table_schema = ${mariadbLiteral(database)}`, { signal });
    return Number(n);
  } finally {
    conn.close();
  }
}

export async function planMariadb(ctx: SourcePlanContext): Promise<MariadbAction[]> {
  const servers = await scopedFolders(ctx, MARIADB_PATH);
  const policy = ctx.options.existingPolicy ?? 'skip';
  const out: MariadbAction[] = [];
  for (const name of servers) {
    const server = (ctx.target.config?.mariadb ?? []).find((d) => d.name === name);
    for (const e of await listPath(ctx.repo, ctx.snapshot, `${MARIADB_PATH}/${name}`)) {
      if (e.node.type !== 'file' || !e.node.name.endsWith('.sql')) continue;
      const dumped = e.node.name.slice(0, -'.sql'.length);
      const database = ctx.options.databaseMap?.[dumped] ?? dumped;
      const into = database === dumped ? '' : ` into database ${database} (${mention('databaseMap')})`;
      const base = { source: 'mariadb' as const, id: mariadbItemId(name, dumped), title: `MariaDB ${name}/${dumped}`, from: `${MARIADB_PATH}/${name}/${e.node.name}`, warnings: [] as string[] };
      if (!server) {
        out.push({ ...base, verb: 'skip', reason: `no MariaDB server named '${name}' is configured here: add it to mariadb[] of lifeboat.yaml` });
        continue;
      }
      let tables: 'missing' | number;
      try {
        tables = await tablesIn(server, database, ctx.signal);
      } catch (err) {
        out.push({ ...base, server, database, verb: 'skip', reason: `cannot reach ${mariadbWhere(server)}: ${errorLine(err)}` });
        continue;
      }
      const a = { ...base, server, database };
      if (tables === 'missing') out.push({ ...a, verb: 'create', reason: `the database does not exist: created, then the dump is loaded${into}` });
      else if (tables === 0) out.push({ ...a, verb: 'restore', reason: `the database exists and is empty: the dump is loaded${into}` });
      else if (policy === 'skip') out.push({ ...a, verb: 'skip', reason: `the database holds ${tables} tables: kept as it is (existing policy skip)` });
      else if (policy === 'update') out.push({ ...a, verb: 'update', reason: `the database holds ${tables} tables: the dump replaces each of its tables, routines and events${into}` });
      else out.push({ ...a, verb: 'recreate', reason: `the database holds ${tables} tables: dropped, created again, and loaded${into}` });
    }
  }
  return out;
}

export async function applyMariadb(job: JobContext, ctx: ApplyContext, actions: MariadbAction[]): Promise<ApplyResult> {
  let bytes = 0;
  job.progress({ phase: 'restoring', bytesDone: 0, itemsDone: 0, itemsTotal: actions.length });
  const items = await applyEach(job, actions, async (a, item): Promise<ItemResult> => {
    const server = a.server!;
    const database = a.database!;
    const conn = mariadbConnection(server);
    try {
      if (a.verb === 'recreate') await runMariadb(conn, `DROP DATABASE IF EXISTS ${mariadbIdent(database)}`, { signal: job.signal });
      if (a.verb === 'create' || a.verb === 'recreate') await runMariadb(conn, `CREATE DATABASE ${mariadbIdent(database)}`, { signal: job.signal });
      job.progress({ phase: `loading ${database}` });
      await feedChild(ctx.repo, ctx.snapshot, a.from, 'mariadb', [...conn.args, '--default-character-set=utf8mb4', '--binary-mode', database], {
        signal: job.signal,
        onBytes: (n) => job.progress({ bytesDone: (bytes += n) }),
      });
      const [[tables = '?'] = []] = await runMariadb(conn, `SELECT count(*) FROM information_schema.tables WHERE table_schema = ${mariadbLiteral(database)}`, { signal: job.signal });
      const made = a.verb === 'create' ? 'created and ' : a.verb === 'recreate' ? 'dropped, created and ' : '';
      return { ...item, outcome: a.verb === 'update' ? 'updated' : a.verb === 'restore' ? 'restored' : a.verb === 'recreate' ? 'recreated' : 'created', reason: `${made}loaded into ${database}: ${tables} tables` };
    } finally {
      conn.close();
    }
  });
  return { items };
}
