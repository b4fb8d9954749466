// The MariaDB/MySQL source: an app-consistent `mariadb-dump` of each database (one transaction,
// so the dump is as of one moment while writers go on; routines, triggers and events with it),
// streamed from the program's stdout into /mariadb/<server>/<database>.sql, never held whole.
//
// The dump names no database (no CREATE DATABASE / USE), so it restores into an empty or new
// database of any name; no dump date, so an unchanged database deduplicates between backups.
import type { JobContext } from '../../jobs/runner.ts';
import { childStream } from '../child-stream.ts';
import type { SnapshotSink } from '../sink.ts';
import type { BackupSource, CapturedItem, SourceResult } from '../types.ts';
import { errorLine } from '../../errors.ts';
import { mariadbConnection, mariadbItemId, mariadbLiteral, mariadbServerId, mariadbWhere, runMariadb, SYSTEM_DATABASES, type MariadbConfig, type MariadbConnection } from './config.ts';

export const MARIADB_PATH = '/mariadb';
export const mariadbDumpPath = (server: string, database: string) => `${MARIADB_PATH}/${server}/${database}.sql`;

export const MARIADB_DUMP_ARGS = ['--single-transaction', '--routines', '--triggers', '--events', '--hex-blob', '--skip-dump-date', '--no-tablespaces', '--default-character-set=utf8mb4'];

/** A database name that can be a file name of the snapshot. */
function usableName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0');
}

async function databasesOf(conn: MariadbConnection, db: MariadbConfig, signal: AbortSignal): Promise<string[]> {
  const all = (await runMariadb(conn, 'SHOW DATABASES', { signal })).map(([d]) => d!);
  if (!db.databases?.length) return all.filter((d) => !SYSTEM_DATABASES.has(d.toLowerCase()));
  const missing = db.databases.filter((d) => !all.includes(d));
  if (missing.length) throw new Error(`the server has no database ${missing.map((m) => `'${m}'`).join(', ')} (it has ${all.filter((d) => !SYSTEM_DATABASES.has(d)).join(', ') || 'none of its own'}): fix mariadb[].databases`);
  return db.databases;
}

/** Tables, rows (InnoDB's estimate), routines, triggers and events of one database, for the manifest. */
async function facts(conn: MariadbConnection, database: string, signal: AbortSignal): Promise<Record<string, number>> {
  const d = mariadbLiteral(database);
  const [[tables = '0', rows = '0'] = []] = await runMariadb(conn, `SELECT count(*), coalesce(sum(table_rows), 0) FROM information_schema.tables WHERE table_schema = ${d} AND table_type = 'BASE TABLE'`, { signal });
  const [[routines = '0'] = []] = await runMariadb(conn, `SELECT count(*) FROM information_schema.routines WHERE routine_schema = ${d}`, { signal });
  const [[triggers = '0'] = []] = await runMariadb(conn, `SELECT count(*) FROM information_schema.triggers WHERE trigger_schema = ${d}`, { signal });
  const [[events = '0'] = []] = await runMariadb(conn, `SELECT count(*) FROM information_schema.events WHERE event_schema = ${d}`, { signal });
  return { tables: Number(tables), rows: Number(rows), routines: Number(routines), triggers: Number(triggers), events: Number(events) };
}

export interface MariadbSourceOptions {
  servers: MariadbConfig[];
  /** Only these items (by id). */
  only?: (id: string) => boolean;
  /** Program to run; default `mariadb-dump` from PATH. */
  dump?: string;
}

export function mariadbSource(opts: MariadbSourceOptions): BackupSource {
  const program = opts.dump ?? 'mariadb-dump';
  return {
    kind: 'mariadb',
    title: 'MariaDB/MySQL databases',
    async run(ctx: JobContext, sink: SnapshotSink): Promise<SourceResult> {
      const result: SourceResult = { captured: [], skipped: [], bytes: 0, items: 0 };
      const failures: string[] = [];
      ctx.progress({ phase: 'listing databases', bytesDone: 0, itemsDone: 0 });
      for (const server of opts.servers) {
        ctx.signal.throwIfAborted();
        if (opts.only && !opts.only(mariadbServerId(server.name))) continue;
        let conn: MariadbConnection | undefined;
        try {
          conn = mariadbConnection(server);
          const [[version = '?'] = []] = await runMariadb(conn, 'SELECT version()', { signal: ctx.signal });
          const dumped: string[] = [];
          const totals: Record<string, number> = { tables: 0, rows: 0, routines: 0, triggers: 0, events: 0 };
          let bytes = 0;
          for (const database of await databasesOf(conn, server, ctx.signal)) {
            if (!usableName(database)) {
              result.skipped.push({ id: mariadbItemId(server.name, database), reason: `database name '${database}' cannot be a file name of the snapshot` });
              continue;
            }
            ctx.progress({ phase: `dumping ${server.name}/${database}` });
            const counts = await facts(conn, database, ctx.signal);
            const before = result.bytes;
            const child = childStream(`MariaDB ${mariadbWhere(server, database)} dump`, program, [...conn.args, ...MARIADB_DUMP_ARGS, database], { signal: ctx.signal });
            let size: number;
            try {
              ({ size } = await sink.addStream(mariadbDumpPath(server.name, database), child.stream, { mode: 0o600, signal: ctx.signal, onBytes: (n) => ctx.progress({ bytesDone: before + n }) }));
            } catch (e) {
              await child.kill();
              throw e;
            }
            dumped.push(database);
            for (const k of Object.keys(totals)) totals[k]! += counts[k]!;
            bytes += size;
            result.bytes += size;
            ctx.progress({ bytesDone: result.bytes });
          }
          const item: CapturedItem = {
            id: mariadbServerId(server.name),
            path: `${MARIADB_PATH}/${server.name}`,
            bytes,
            items: dumped.length,
            details: { format: 'mariadb-dump --single-transaction (SQL); restore with mariadb', server: mariadbWhere(server), serverVersion: version, databases: dumped.join(','), ...totals },
          };
          result.captured.push(item);
          result.items += dumped.length;
          ctx.progress({ itemsDone: result.items });
        } catch (e) {
          if (ctx.signal.aborted) throw e;
          failures.push(`MariaDB server '${server.name}' (${mariadbWhere(server)}): ${errorLine(e)}`);
        } finally {
          conn?.close();
        }
      }
      if (failures.length) throw new Error(failures.join('; '));
      return result;
    },
  };
}
