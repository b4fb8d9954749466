// PostgreSQL: each dump (/databases/<name>/<database>.dump, pg_dump -Fc) restored with
// pg_restore into its database: created when missing, used when empty; one with tables is kept
// (skip), cleaned first (update: --clean --if-exists), or dropped and made again (recreate).
import type { DatabaseConfig } from '../../config/schema.ts';
import type { JobContext } from '../../jobs/runner.ts';
import { NotFoundError } from '../../repository/errors.ts';
import { listPath } from '../../repository/reader.ts';
import { feedChild } from '../../restore/feed-child.ts';
import { SNAPSHOT_PATHS } from '../sink.ts';
import { clientEnv, runPsql } from './postgres.ts';
import { errorLine } from '../../errors.ts';
import { applyEach, type ApplyContext } from '../../restore/apply-context.ts';
import type { SourcePlanContext } from '../../restore/plan.ts';
import type { ApplyResult, DatabaseAction, ItemResult } from '../../restore/types.ts';
import { databaseId } from '../item-ids.ts';
import { mention } from '../../mentions.ts';

const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;
const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;
/** The server's maintenance database, to create or drop another from. */
const maintenance = (db: DatabaseConfig) => clientEnv({ ...db, database: 'postgres' });
const USER_TABLES = `SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`;

async function state(db: DatabaseConfig, signal?: AbortSignal): Promise<'missing' | 'empty' | number> {
  const s = signal ?? new AbortController().signal;
  const [[exists] = []] = await runPsql('psql', maintenance(db), `SELECT count(*) FROM pg_database WHERE datname = ${literal(db.database)}`, s);
  if (exists === '0') return 'missing';
  const [[tables = '0'] = []] = await runPsql('psql', clientEnv(db), USER_TABLES, s);
  return tables === '0' ? 'empty' : Number(tables);
}

export async function planDatabases(ctx: SourcePlanContext): Promise<DatabaseAction[]> {
  let names: string[];
  try {
    names = (await listPath(ctx.repo, ctx.snapshot, SNAPSHOT_PATHS.databases)).filter((e) => e.node.type === 'dir').map((e) => e.node.name);
  } catch (e) {
    if (e instanceof NotFoundError) return [];
    throw e;
  }
  if (ctx.narrowed && !ctx.scope.names?.length) return [];
  const out: DatabaseAction[] = [];
  const policy = ctx.options.existingPolicy ?? 'skip';
  for (const name of names) {
    if (ctx.scope.names?.length && !ctx.scope.names.includes(name)) continue;
    for (const e of await listPath(ctx.repo, ctx.snapshot, `${SNAPSHOT_PATHS.databases}/${name}`)) {
      if (!e.node.name.endsWith('.dump')) continue;
      const database = e.node.name.slice(0, -'.dump'.length);
      const from = `${SNAPSHOT_PATHS.databases}/${name}/${e.node.name}`;
      const configured = (ctx.target.databases ?? []).find((d) => d.name === name);
      const base = { source: 'databases' as const, id: databaseId(name, database), title: `database ${name}/${database}`, from, warnings: [] as string[] };
      if (!configured) {
        out.push({ ...base, verb: 'skip', reason: `no database server named '${name}' is configured here: add it to databases[] of lifeboat.yaml` });
        continue;
      }
      const db = { ...configured, database };
      let st: Awaited<ReturnType<typeof state>>;
      try {
        st = await state(db, ctx.signal);
      } catch (err) {
        out.push({ ...base, database: db, verb: 'skip', reason: `cannot reach it: ${errorLine(err)}` });
        continue;
      }
      if (st === 'missing') out.push({ ...base, database: db, verb: 'create', reason: 'the database does not exist: created, then restored with pg_restore' });
      else if (st === 'empty') out.push({ ...base, database: db, verb: 'restore', reason: 'the database exists and is empty: restored with pg_restore' });
      else if (policy === 'skip') out.push({ ...base, database: db, verb: 'skip', reason: `the database holds ${st} tables: kept as it is (${mention('existingPolicy', 'skip')})` });
      else if (policy === 'update') out.push({ ...base, database: db, verb: 'update', reason: `the database holds ${st} tables: pg_restore --clean --if-exists replaces the dump's objects` });
      else out.push({ ...base, database: db, verb: 'recreate', reason: `the database holds ${st} tables: dropped, created again, and restored` });
    }
  }
  return out;
}

async function pgRestore(job: JobContext, ctx: ApplyContext, a: DatabaseAction, onBytes: (n: number) => void): Promise<void> {
  const db = a.database!;
  const args = ['--no-owner', '--exit-on-error', '--no-password', '-d', db.database, ...(a.verb === 'update' ? ['--clean', '--if-exists'] : [])];
  await feedChild(ctx.repo, ctx.snapshot, a.from, 'pg_restore', args, { env: clientEnv(db), signal: job.signal, onBytes });
}

export async function applyDatabases(job: JobContext, ctx: ApplyContext, actions: DatabaseAction[]): Promise<ApplyResult> {
  let bytes = 0;
  job.progress({ phase: 'restoring', bytesDone: 0, itemsDone: 0, itemsTotal: actions.length });
  const items = await applyEach(job, actions, async (a, item): Promise<ItemResult> => {
    const db = a.database!;
    const name = ident(db.database);
    if (a.verb === 'recreate') await runPsql('psql', maintenance(db), `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, job.signal);
    if (a.verb === 'create' || a.verb === 'recreate') {
      job.progress({ phase: `creating ${db.database}` });
      await runPsql('psql', maintenance(db), `CREATE DATABASE ${name}`, job.signal);
    }
    job.progress({ phase: `pg_restore into ${db.database}` });
    await pgRestore(job, ctx, a, (n) => job.progress({ bytesDone: (bytes += n) }));
    const [[tables = '?'] = []] = await runPsql('psql', clientEnv(db), USER_TABLES, job.signal);
    const made = a.verb === 'create' ? 'created and ' : a.verb === 'recreate' ? 'dropped, created and ' : '';
    return { ...item, outcome: a.verb === 'update' ? 'updated' : a.verb === 'restore' ? 'restored' : a.verb === 'recreate' ? 'recreated' : 'created', reason: `${made}restored: ${tables} tables` };
  });
  return { items };
}
