import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseConfig } from '../../src/engine/config/schema.ts';
import { databaseDumpPath, postgresSource } from '../../src/engine/sources/databases/postgres.ts';
import { recordingContext, sourceTestEnvironment } from './sink.ts';

const env = sourceTestEnvironment(['postgres'], 'pg');
let db: DatabaseConfig;

function psql(database: string, sql: string): string {
  return execFileSync('psql', ['-X', '-At', '-v', 'ON_ERROR_STOP=1', '-d', database, '-c', sql], { env: { ...process.env, ...env.lab.env }, encoding: 'utf8' }).trim();
}

beforeAll(async () => {
  const pg = env.lab.services.postgres!;
  db = { name: 'lab', kind: 'postgresql', host: '127.0.0.1', port: pg.port, user: pg.extra!.user!, database: pg.extra!.database! };
  psql(db.database, `
    CREATE TABLE orders (id serial PRIMARY KEY, customer text NOT NULL, total numeric(10,2), placed timestamptz DEFAULT now());
    INSERT INTO orders (customer, total) SELECT 'customer ' || g, g * 1.5 FROM generate_series(1, 5000) g;
    CREATE TABLE notes (id int PRIMARY KEY, body text);
    INSERT INTO notes VALUES (1, 'tab	and ''quote'' and ünïcode'), (2, NULL);
    ANALYZE;`);
});

/** A stand-in pg_dump: a shell script. */
function fakeProgram(name: string, body: string): string {
  const file = path.join(env.tmp, name);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

describe('the PostgreSQL source', () => {
  it('streams a pg_dump that restores into an empty database with the same rows', async () => {
    const ctx = recordingContext();
    const result = await postgresSource({ databases: [db] }).run(ctx, env.out.sink);
    expect(result.captured).toHaveLength(1);
    const item = result.captured[0]!;
    expect(item.path).toBe('/databases/lab/lab.dump');
    expect(item.details).toMatchObject({ tables: 2 });
    expect(String(item.details!.serverVersion)).toMatch(/^\d+/);
    expect(ctx.counts).toMatchObject({ itemsDone: 1, itemsTotal: 1, bytesDone: item.bytes });

    const dump = path.join(env.tmp, 'lab.dump');
    fs.writeFileSync(dump, await (await env.out.commit()).readFile(databaseDumpPath(db)));
    expect(fs.statSync(dump).size).toBe(item.bytes);
    psql('postgres', 'CREATE DATABASE restored');
    execFileSync('pg_restore', ['--no-owner', '--exit-on-error', '-d', 'restored', dump], { env: { ...process.env, ...env.lab.env } });
    const rows = (database: string) =>
      psql(database, `SELECT count(*), sum(total), md5(string_agg(customer || total, ',' ORDER BY id)) FROM orders`) +
      psql(database, `SELECT md5(string_agg(coalesce(body, '<null>'), ',' ORDER BY id)) FROM notes`);
    expect(rows('restored')).toBe(rows(db.database));
    expect(psql('restored', 'SELECT count(*) FROM orders')).toBe('5000');
  });

  it("fails the job with pg_dump's last error line", async () => {
    const missing = { ...db, name: 'gone', database: 'no_such_db' };
    const err = await postgresSource({ databases: [missing] })
      .run(recordingContext(), env.out.sink)
      .then(() => undefined, (e: Error) => e);
    expect(err?.message).toContain("database 'gone'");
    expect(err?.message).toMatch(/database "no_such_db" does not exist/);

    const failing = fakeProgram('pg_dump_fails', 'echo "pg_dump: dumping..." >&2; echo "pg_dump: error: query failed: permission denied for table secrets" >&2; exit 1');
    const err2 = await postgresSource({ databases: [db], pgDump: failing })
      .run(recordingContext(), env.out.sink)
      .then(() => undefined, (e: Error) => e);
    expect(err2?.message).toMatch(/permission denied for table secrets$/);
    // A failed dump is not in the snapshot.
    const snap = await env.out.commit();
    await expect(snap.readFile(databaseDumpPath(missing))).rejects.toThrow(/no \/databases/);
    await expect(snap.readFile(databaseDumpPath(db))).rejects.toThrow(/no \/databases/);
  });

  it('hands the password to pg_dump in its environment only', async () => {
    const passwordFile = path.join(env.tmp, 'pw');
    fs.writeFileSync(passwordFile, 's3cret\n', { mode: 0o600 });
    const spy = fakeProgram('pg_dump_env', 'printf "%s|%s" "$PGPASSWORD" "$*"');
    const ctx = recordingContext();
    await postgresSource({ databases: [{ ...db, passwordFile }], pgDump: spy }).run(ctx, env.out.sink);
    const text = (await (await env.out.commit()).readFile(databaseDumpPath(db))).toString();
    const [password, args] = text.split('|');
    expect(password).toBe('s3cret');
    expect(args).not.toContain('s3cret');
    expect(JSON.stringify(ctx.updates) + ctx.warnings.join()).not.toContain('s3cret');
  });

  it('kills pg_dump when the job is aborted', async () => {
    const pidFile = path.join(env.tmp, 'pid');
    const endless = fakeProgram('pg_dump_endless', `echo $$ > ${pidFile}; exec cat /dev/zero`);
    const ctx = recordingContext();
    const run = postgresSource({ databases: [db], pgDump: endless }).run(ctx, env.out.sink);
    while (ctx.counts.bytesDone < 1 << 20) await new Promise((r) => setTimeout(r, 10));
    ctx.abort(new Error('stop'));
    await expect(run).rejects.toThrow();
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    await new Promise((r) => setTimeout(r, 100));
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
