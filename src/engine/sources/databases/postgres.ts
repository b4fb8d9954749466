// The PostgreSQL source: `pg_dump` of each configured database, streamed from the child's
// stdout into the repository at /databases/<name>/<database>.dump, never held whole in memory.
//
// Format: pg_dump's custom archive (-Fc) without its own compression (-Z0). pg_restore restores
// it into an empty database (all or part, in parallel, with --no-owner where roles differ), and
// uncompressed output lets the repository deduplicate unchanged tables between backups and
// compress with zstd itself.
import { execFile } from 'node:child_process';
import { DeadlineError, requestDeadlineMs } from '../../deadline.ts';
import fs from 'node:fs';
import type { DatabaseConfig } from '../../config/schema.ts';
import type { JobContext } from '../../jobs/runner.ts';
import type { SnapshotSink } from '../sink.ts';
import { SNAPSHOT_PATHS } from '../sink.ts';
import type { BackupSource, CapturedItem, SourceResult } from '../types.ts';
import { errorLine } from '../../errors.ts';
import { databaseId } from '../item-ids.ts';
import { childStream, lastLine } from '../child-stream.ts';

export interface PostgresSourceOptions {
  databases: DatabaseConfig[];
  /** Programs to run; default `pg_dump` and `psql` from PATH. */
  pgDump?: string;
  psql?: string;
}

export function databaseDumpPath(db: DatabaseConfig): string {
  return `${SNAPSHOT_PATHS.databases}/${db.name}/${db.database}.dump`;
}

/** The connection as environment variables: the password only ever travels this way. */
export function clientEnv(db: DatabaseConfig): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PGDATABASE: db.database, PGCONNECT_TIMEOUT: process.env.PGCONNECT_TIMEOUT ?? String(Math.max(2, Math.ceil(requestDeadlineMs() / 1000))) };
  delete env.PGPASSWORD;
  if (db.host) env.PGHOST = db.host;
  if (db.port) env.PGPORT = String(db.port);
  if (db.user) env.PGUSER = db.user;
  if (db.passwordFile) {
    let text: string;
    try {
      text = fs.readFileSync(db.passwordFile, 'utf8');
    } catch (e) {
      throw new Error(`cannot read the password file ${db.passwordFile} of database '${db.name}': ${errorLine(e)}`);
    }
    env.PGPASSWORD = text.replace(/\r?\n$/, '');
  }
  return env;
}

function where(db: DatabaseConfig): string {
  return `${db.user ? `${db.user}@` : ''}${db.host ?? 'localhost'}:${db.port ?? 5432}/${db.database}`;
}

export function runPsql(program: string, env: NodeJS.ProcessEnv, sql: string, signal: AbortSignal): Promise<string[][]> {
  return new Promise((resolve, reject) => {
    const ms = requestDeadlineMs();
    execFile(program, ['-X', '-At', '-F', '\t', '-v', 'ON_ERROR_STOP=1', '-c', sql], { env, signal, maxBuffer: 16 * 1024 * 1024, timeout: ms, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err && (err as { killed?: boolean }).killed && !signal.aborted) return reject(new DeadlineError(`PostgreSQL ${env.PGHOST ?? ''}:${env.PGPORT ?? ''} (psql)`, ms));
      if (err) return reject(new Error(lastLine(stderr) || errorLine(err)));
      resolve(stdout.split('\n').filter(Boolean).map((l) => l.split('\t')));
    });
  });
}

/** Live rows per table from the statistics (no scan of the tables). */
const ROW_COUNTS_SQL = `SELECT schemaname || '.' || relname, n_live_tup FROM pg_stat_user_tables ORDER BY 1`;

/** Streams one database's dump into the sink; fails with pg_dump's last stderr line. */
async function dumpOne(
  ctx: JobContext,
  sink: SnapshotSink,
  db: DatabaseConfig,
  program: string,
  env: NodeJS.ProcessEnv,
  onBytes: (n: number) => void,
): Promise<number> {
  // pg_dump's exit status is checked before the stream ends, so a failed dump is never placed in
  // the snapshot as if it were whole; a server that stops answering mid-dump meets an idle deadline.
  const child = childStream(`PostgreSQL ${db.host ?? ''}:${db.port ?? ''} pg_dump of ${db.database}`, program, ['-Fc', '-Z0', '--no-password'], { env, signal: ctx.signal });
  let size = 0;
  try {
    ({ size } = await sink.addStream(databaseDumpPath(db), child.stream, { mode: 0o600, signal: ctx.signal, onBytes }));
  } catch (e) {
    await child.kill();
    throw e;
  }
  return size;
}

export function postgresSource(opts: PostgresSourceOptions): BackupSource {
  const pgDump = opts.pgDump ?? 'pg_dump';
  const psql = opts.psql ?? 'psql';
  return {
    kind: 'databases',
    title: 'PostgreSQL databases',
    async run(ctx: JobContext, sink: SnapshotSink): Promise<SourceResult> {
      const result: SourceResult = { captured: [], skipped: [], bytes: 0, items: 0, details: {} };
      const dbs = opts.databases.filter((d) => (d.kind ?? 'postgresql').toLowerCase().startsWith('postgres'));
      for (const d of opts.databases) {
        if (!dbs.includes(d)) {
          const reason = `database '${d.name}' is of kind '${d.kind}': lifeboat backs up PostgreSQL only (kind: postgresql)`;
          ctx.warn(reason);
          result.skipped.push({ id: databaseId(d.name, d.database), reason });
        }
      }
      const failures: string[] = [];
      const tables: Record<string, Record<string, number>> = {};
      ctx.progress({ phase: 'dumping', bytesDone: 0, itemsDone: 0, itemsTotal: dbs.length });
      for (const [i, db] of dbs.entries()) {
        ctx.signal.throwIfAborted();
        const label = `${db.name}/${db.database}`;
        try {
          const env = clientEnv(db);
          ctx.progress({ phase: `facts of ${label}` });
          const [[serverVersion = '?'] = []] = await runPsql(psql, env, 'SHOW server_version', ctx.signal);
          const rows = Object.fromEntries((await runPsql(psql, env, ROW_COUNTS_SQL, ctx.signal)).map(([t, n]) => [t!, Number(n)]));
          tables[label] = rows;
          ctx.progress({ phase: `dumping ${label}` });
          const before = result.bytes;
          const size = await dumpOne(ctx, sink, db, pgDump, env, (n) => ctx.progress({ bytesDone: before + n }));
          const item: CapturedItem = {
            id: databaseId(db.name, db.database),
            path: databaseDumpPath(db),
            bytes: size,
            items: 1,
            details: {
              format: 'pg_dump custom (-Fc -Z0); restore with pg_restore',
              server: where(db),
              serverVersion,
              tables: Object.keys(rows).length,
              rows: Object.values(rows).reduce((a, b) => a + b, 0),
            },
          };
          result.captured.push(item);
          result.bytes += size;
          result.items++;
        } catch (e) {
          if (ctx.signal.aborted) throw e;
          failures.push(`database '${db.name}' (${where(db)}): ${errorLine(e)}`);
        }
        ctx.progress({ bytesDone: result.bytes, itemsDone: i + 1 });
      }
      result.details = { tables };
      if (failures.length) throw new Error(failures.join('; '));
      return result;
    },
  };
}
