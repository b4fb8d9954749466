// What lifeboat.yaml says of a MariaDB/MySQL server (`mariadb:` list), and how its clients
// connect: the password goes to the programs in a defaults file only the owner can read, never
// on a command line, in the environment of a log, or on screen.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { DeadlineError, requestDeadlineMs } from '../../deadline.ts';
import { lastLine } from '../child-stream.ts';
import { errorLine } from '../../errors.ts';
import type { Shape } from '../../config/schema.ts';

export interface MariadbConfig {
  /** The server's name in lifeboat (snapshot folder and item ids). */
  name: string;
  host?: string;
  port?: number;
  user?: string;
  passwordFile?: string;
  /** Databases to dump; default every database but the server's own (mysql, sys, *_schema). */
  databases?: string[];
  /** The workload it runs as in the cluster (`namespace/name`), so the inventory counts it covered. */
  workload?: string;
}

export const MARIADB_CONFIG_SHAPE: Record<string, Shape> = {
  'mariadb?': [
    {
      name: 'string',
      'host?': 'string',
      'port?': 'number',
      'user?': 'string',
      'passwordFile?': 'string',
      'databases?': 'string[]',
      'workload?': 'string',
    },
  ],
};

/** The server's own databases, never dumped unless named. */
export const SYSTEM_DATABASES = new Set(['mysql', 'sys', 'information_schema', 'performance_schema']);

export function mariadbWhere(db: MariadbConfig, database?: string): string {
  return `${db.user ? `${db.user}@` : ''}${db.host ?? 'localhost'}:${db.port ?? 3306}${database ? `/${database}` : ''}`;
}

/** A connection for the client programs: the arguments (a defaults file first) and a clean-up. */
export interface MariadbConnection {
  args: string[];
  close(): void;
}

/** Writes the connection into a defaults file in a private temporary folder. */
export function mariadbConnection(db: MariadbConfig): MariadbConnection {
  let password: string | undefined;
  if (db.passwordFile) {
    try {
      password = fs.readFileSync(db.passwordFile, 'utf8').replace(/\r?\n$/, '');
    } catch (e) {
      throw new Error(`cannot read the password file ${db.passwordFile} of MariaDB server '${db.name}': ${errorLine(e)}`);
    }
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-mariadb-'));
  const file = path.join(dir, 'client.cnf');
  const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const lines = ['[client]', `host=${db.host ?? '127.0.0.1'}`, `port=${db.port ?? 3306}`, 'protocol=tcp'];
  if (db.user) lines.push(`user=${quote(db.user)}`);
  if (password !== undefined) lines.push(`password=${quote(password)}`);
  fs.writeFileSync(file, lines.join('\n') + '\n', { mode: 0o600 });
  return { args: [`--defaults-extra-file=${file}`], close: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Runs SQL with the `mariadb` client; rows as tab-separated fields (no header). */
export function runMariadb(conn: MariadbConnection, sql: string, opts: { database?: string; signal?: AbortSignal; program?: string } = {}): Promise<string[][]> {
  return new Promise((resolve, reject) => {
    const ms = requestDeadlineMs();
    const args = [...conn.args, `--connect-timeout=${Math.max(2, Math.ceil(ms / 1000))}`, '--batch', '--skip-column-names', '--raw', '-e', sql, ...(opts.database ? [opts.database] : [])];
    execFile(opts.program ?? 'mariadb', args, { signal: opts.signal, maxBuffer: 16 * 1024 * 1024, timeout: ms, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err && (err as { killed?: boolean }).killed && !opts.signal?.aborted) return reject(new DeadlineError('MariaDB (mariadb)', ms));
      if (err) return reject(new Error(lastLine(stderr) || errorLine(err)));
      resolve(stdout.split('\n').filter((l) => l !== '').map((l) => l.split('\t')));
    });
  });
}

/** A MariaDB identifier in backquotes. */
export const mariadbIdent = (s: string) => `\`${s.replace(/`/g, '``')}\``;
export const mariadbLiteral = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** A server is one item (the inventory's row, what coverage matches); its databases are its files. */
export const mariadbServerId = (server: string) => `mariadb:${server}`;
/** One database's restore action. */
export const mariadbItemId = (server: string, database: string) => `mariadb:${server}/${database}`;
