// MariaDB, Redis and a bucket through `lifeboat backup` and `lifeboat restore`, against the lab's
// real servers: seeded, captured, deleted, restored, and compared with what was there.
import { execFile, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifest } from '../../src/engine/backup/manifest-read.ts';
import { openBackend } from '../../src/engine/repository/backend/location.ts';
import { Repository } from '../../src/engine/repository/repository.ts';
import { respConnect, type RespClient } from '../../src/engine/sources/redis/resp.ts';
import { startLab, type Lab } from '../../src/lab/lab.ts';
import { seedDataStores, seedObjects } from '../../src/lab/seed/data-stores.ts';
import { lifeboat } from '../helpers/cli.ts';

const run = promisify(execFile);
let lab: Lab;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  lab = await startLab({ owner: process.pid, services: ['mariadb', 'redis', 's3'] });
  await seedDataStores(lab.services);
  env = { LIFEBOAT_CONFIG: lab.configFile };
});

afterAll(async () => {
  const report = await lab?.stop();
  expect(report?.openPorts).toEqual([]);
});

// ---- MariaDB ----

/** Runs SQL; `--delimiter` lets one statement (a procedure) hold semicolons. */
async function sql(query: string, database = 'lab'): Promise<string> {
  const m = lab.services.mariadb!;
  const one = /^CREATE PROCEDURE/.test(query) ? ['--delimiter=$$'] : [];
  const { stdout } = await run('mariadb', ['--no-defaults', '--default-character-set=utf8mb4', '--protocol=tcp', '-h', '127.0.0.1', '-P', String(m.port), '-u', 'lab', '-N', '-B', ...one, '-e', query, database], {
    env: { ...process.env, MYSQL_PWD: fs.readFileSync(m.extra!.passwordFile!, 'utf8').trim() },
    maxBuffer: 64 << 20,
  });
  return stdout.trim();
}

/** What a user would compare: every row of every table, and the routines, triggers and events. */
async function mariadbState(database = 'lab'): Promise<Record<string, string>> {
  const lit = `'${database}'`;
  const tables = (await sql(`SELECT table_name FROM information_schema.tables WHERE table_schema = ${lit} ORDER BY 1`)).split('\n').filter(Boolean);
  const out: Record<string, string> = { tables: tables.join(',') };
  for (const t of tables) {
    const cols = (await sql(`SELECT column_name FROM information_schema.columns WHERE table_schema = ${lit} AND table_name = '${t}' ORDER BY ordinal_position`)).split('\n');
    const row = `concat_ws('|', ${cols.map((c) => `coalesce(hex(\`${c}\`), 'NULL')`).join(', ')})`;
    out[t] = await sql(`SET SESSION group_concat_max_len = 1 << 28; SELECT count(*), md5(group_concat(${row} ORDER BY 1 SEPARATOR '\\n')) FROM \`${t}\``, database);
  }
  out.routines = await sql(`SELECT routine_name, routine_type, routine_definition FROM information_schema.routines WHERE routine_schema = ${lit} ORDER BY 1`);
  out.triggers = await sql(`SELECT trigger_name, event_manipulation, action_statement FROM information_schema.triggers WHERE trigger_schema = ${lit} ORDER BY 1`);
  out.events = await sql(`SELECT event_name, event_definition, interval_value, interval_field, starts FROM information_schema.events WHERE event_schema = ${lit} ORDER BY 1`);
  return out;
}

// ---- Redis ----

async function redis(encoding: BufferEncoding = 'utf8'): Promise<RespClient> {
  const r = lab.services.redis!;
  return respConnect({ port: r.port }, { password: fs.readFileSync(r.extra!.passwordFile!, 'utf8').trim(), encoding });
}

/** Every key of databases 0 and 1: its type, its value (DUMP, byte for byte) and its expiry time. */
async function redisState(): Promise<Record<string, { type: string; value: string; expiresAt: number }>> {
  const c = await redis('latin1');
  const out: Record<string, { type: string; value: string; expiresAt: number }> = {};
  try {
    for (const db of [0, 1]) {
      await c.call('SELECT', db);
      for (const key of (await c.call('KEYS', '*')) as string[]) {
        const k = Buffer.from(key, 'latin1');
        const type = String(await c.call('TYPE', k));
        // A set's DUMP lists its members in hash order, which a reload may change: compare members.
        const value = type === 'set' ? ((await c.call('SMEMBERS', k)) as string[]).map(String).sort().join('\n') : String(await c.call('DUMP', k));
        out[`db${db}/${key}`] = { type, value, expiresAt: Number(await c.call('PEXPIRETIME', k)) };
      }
    }
  } finally {
    c.close();
  }
  return out;
}

function expectSameRedis(now: Awaited<ReturnType<typeof redisState>>, before: Awaited<ReturnType<typeof redisState>>): void {
  expect(Object.keys(now).sort()).toEqual(Object.keys(before).sort());
  for (const [key, was] of Object.entries(before)) {
    const is = now[key]!;
    expect({ key, type: is.type, value: is.value }).toEqual({ key, type: was.type, value: was.value });
    // The same expiry moment (MIGRATE carries the time left, so a few milliseconds may pass).
    if (was.expiresAt < 0) expect(is.expiresAt, key).toBe(was.expiresAt);
    else expect(Math.abs(is.expiresAt - was.expiresAt), key).toBeLessThan(5000);
  }
}

// ---- the bucket ----

async function s3() {
  const s = await import('@aws-sdk/client-s3');
  const client = new s.S3Client({ endpoint: lab.services.s3!.address, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  return { s, client };
}

/** Every object: key, size, content type, cache control, user metadata and a hash of its bytes. */
async function bucketState(bucket = 'app-data'): Promise<Record<string, unknown>[]> {
  const { s, client } = await s3();
  try {
    const listed = await client.send(new s.ListObjectsV2Command({ Bucket: bucket }));
    const out: Record<string, unknown>[] = [];
    for (const o of listed.Contents ?? []) {
      const got = await client.send(new s.GetObjectCommand({ Bucket: bucket, Key: o.Key! }));
      const body = Buffer.from(await got.Body!.transformToByteArray());
      out.push({ key: o.Key, size: o.Size, contentType: got.ContentType, cacheControl: got.CacheControl, metadata: got.Metadata, sha256: crypto.createHash('sha256').update(body).digest('hex') });
    }
    return out.sort((a, b) => String(a.key).localeCompare(String(b.key)));
  } finally {
    client.destroy();
  }
}

async function emptyBucket(bucket = 'app-data'): Promise<void> {
  const { s, client } = await s3();
  try {
    const listed = await client.send(new s.ListObjectsV2Command({ Bucket: bucket }));
    for (const o of listed.Contents ?? []) await client.send(new s.DeleteObjectCommand({ Bucket: bucket, Key: o.Key! }));
  } finally {
    client.destroy();
  }
}

async function latestManifest() {
  const repo = await Repository.open(openBackend(path.join(lab.dir, 'repository')), fs.readFileSync(path.join(lab.dir, 'repository-password'), 'utf8').trim());
  try {
    await repo.loadIndex();
    const snaps = (await repo.listSnapshots()).sort((a, b) => Date.parse(b.time) - Date.parse(a.time));
    return (await readManifest(repo, snaps[0]!))!;
  } finally {
    await repo.close();
  }
}

describe('MariaDB, Redis and a bucket, backed up and restored', () => {
  it('captures the seeded servers with lifeboat backup; deleted, lifeboat restore brings back rows, routines, keys with TTLs and objects with metadata', async () => {
    const before = { mariadb: await mariadbState(), redis: await redisState(), bucket: await bucketState() };
    expect(before.mariadb.products).toMatch(/^120\t/);
    expect(before.mariadb.stock_moves).toMatch(/^400\t/);
    expect(before.mariadb.routines).toMatch(/add_move\tPROCEDURE/);
    expect(before.mariadb.routines).toMatch(/stock_value\tFUNCTION/);
    expect(before.mariadb.events).toContain('roll_up_moves');
    expect(Object.values(before.redis).filter((k) => k.expiresAt > 0).length).toBeGreaterThan(10);
    expect(new Set(Object.values(before.redis).map((k) => k.type))).toEqual(new Set(['string', 'hash', 'list', 'set', 'zset', 'stream']));
    expect(before.bucket.map((o) => o.key)).toEqual(seedObjects().map((o) => o.key).sort());

    const backup = await lifeboat(['backup', '--only', 'mariadb,redis,buckets'], { env });
    expect(backup.code, backup.stdout + backup.stderr).toBe(0);
    expect(backup.stdout).toMatch(/^OK +mariadb +1 items/m);
    expect(backup.stdout).toMatch(/^OK +redis +1 items/m);
    expect(backup.stdout).toMatch(/^OK +buckets +5 items/m);
    const manifest = await latestManifest();
    const bucket = manifest.captured.find((c) => c.id === 'bucket:app-data')!;
    expect(bucket.details).toMatchObject({ objects: 5 });
    expect(manifest.captured.find((c) => c.id === 'mariadb:lab')?.details).toMatchObject({ databases: 'lab', tables: 3, routines: 2, triggers: 1, events: 1 });
    // No secret in what the backup printed or recorded.
    const secrets = [lab.services.mariadb!.extra!.passwordFile!, lab.services.redis!.extra!.passwordFile!].map((f) => fs.readFileSync(f, 'utf8').trim());
    for (const secret of secrets) expect(backup.stdout + backup.stderr + JSON.stringify(manifest)).not.toContain(secret);

    // The disaster.
    await sql('DROP DATABASE lab', 'mysql');
    const c = await redis();
    await c.call('FLUSHALL');
    c.close();
    await emptyBucket();

    const dry = await lifeboat(['restore', 'latest', '--only', 'mariadb,redis,buckets', '--dry-run'], { env });
    expect(dry.code, dry.stdout + dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/create +MariaDB lab\/lab: the database does not exist/);
    expect(dry.stdout).toMatch(/restore +Redis lab: the server holds no keys/);
    expect(dry.stdout).toMatch(/restore +bucket app-data: 5 objects written into/);
    expect(await sql("SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'lab'", 'mysql')).toBe('0');

    const restore = await lifeboat(['restore', 'latest', '--only', 'mariadb,redis,buckets'], { env });
    expect(restore.code, restore.stdout + restore.stderr).toBe(0);
    expect(await mariadbState()).toEqual(before.mariadb);
    expectSameRedis(await redisState(), before.redis);
    expect(await bucketState()).toEqual(before.bucket);
    // The trigger works in the restored database.
    const stock = Number(await sql('SELECT stock FROM products WHERE id = 1'));
    await sql("CALL add_move(1, 5, 'after restore')");
    expect(Number(await sql('SELECT stock FROM products WHERE id = 1'))).toBe(stock + 5);
  });

  it('a second backup downloads only the objects that changed (by ETag and time)', async () => {
    const { s, client } = await s3();
    try {
      await client.send(new s.PutObjectCommand({ Bucket: 'app-data', Key: 'reports/2026-11.csv', Body: 'day,orders\n2026-11-01,13\n', ContentType: 'text/csv', Metadata: { author: 'finance', rows: '1' } }));
    } finally {
      client.destroy();
    }
    const first = await lifeboat(['backup', '--only', 'buckets'], { env });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const again = await lifeboat(['backup', '--only', 'buckets'], { env });
    expect(again.code, again.stdout + again.stderr).toBe(0);
    const job = (await latestManifest()).jobs.find((j) => j.kind === 'buckets')!;
    expect(job.details).toEqual({ objectsRead: 0, objectsUnchanged: 5 });
  });

  it('restores into a mapped bucket, a new database name, and an RDB file a server starts on', async () => {
    const backup = await lifeboat(['backup', '--only', 'mariadb,redis,buckets'], { env });
    expect(backup.code, backup.stdout + backup.stderr).toBe(0);
    const target = path.join(lab.dir, 'redis-restored');
    const restore = await lifeboat(['restore', 'latest', '--only', 'mariadb,redis,buckets', '--database-map', 'lab=lab_copy', '--bucket-map', 'app-data=app-data-copy', '--redis-target', target], { env });
    expect(restore.code, restore.stdout + restore.stderr).toBe(0);
    const original = await mariadbState('lab');
    expect(await mariadbState('lab_copy')).toEqual(original);
    expect(await bucketState('app-data-copy')).toEqual(await bucketState('app-data'));
    // A server started on the written RDB holds every key.
    const rdb = path.join(target, 'lab', 'dump.rdb');
    expect(fs.statSync(rdb).size).toBeGreaterThan(100);
    const sock = path.join(path.dirname(rdb), 's');
    const server = spawn('redis-server', ['--port', '0', '--unixsocket', sock, '--dir', path.dirname(rdb), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    try {
      let client: RespClient | undefined;
      const deadline = Date.now() + 30_000;
      while (!client) {
        client = await respConnect({ path: sock }).catch(() => undefined);
        if (!client && Date.now() > deadline) throw new Error('redis-server on the restored RDB did not start');
        if (!client) await new Promise((r) => setTimeout(r, 100));
      }
      const info = String(await client.call('INFO', 'keyspace'));
      client.close();
      const live = await redis();
      const want = String(await live.call('INFO', 'keyspace'));
      live.close();
      const keys = (s: string) => [...s.matchAll(/^(db\d+):keys=(\d+)/gm)].map((m) => `${m[1]}=${m[2]}`);
      expect(keys(info)).toEqual(keys(want));
    } finally {
      server.kill('SIGKILL');
    }
  });

  it('a backup taken while a writer inserts rows restores to a consistent database', async () => {
    await sql(`CREATE TABLE orders (id BIGINT PRIMARY KEY AUTO_INCREMENT, line_count INT NOT NULL) ENGINE=InnoDB;
      CREATE TABLE order_lines (order_id BIGINT NOT NULL, n INT NOT NULL, PRIMARY KEY (order_id, n)) ENGINE=InnoDB;
      CREATE TABLE totals (k VARCHAR(8) PRIMARY KEY, orders BIGINT NOT NULL) ENGINE=InnoDB;
      INSERT INTO totals VALUES ('all', 0);`);
    await sql(`CREATE PROCEDURE writer(IN n INT) BEGIN DECLARE i INT DEFAULT 0; WHILE i < n DO
        START TRANSACTION; INSERT INTO orders (line_count) VALUES (3); SET @o = LAST_INSERT_ID();
        INSERT INTO order_lines VALUES (@o, 1), (@o, 2), (@o, 3); UPDATE totals SET orders = orders + 1 WHERE k = 'all'; COMMIT;
        SET i = i + 1; END WHILE; END`);
    const m = lab.services.mariadb!;
    const writer = spawn('mariadb', ['--no-defaults', '--protocol=tcp', '-h', '127.0.0.1', '-P', String(m.port), '-u', 'lab', 'lab', '-e', 'CALL writer(100000000)'], {
      env: { ...process.env, MYSQL_PWD: fs.readFileSync(m.extra!.passwordFile!, 'utf8').trim() },
      stdio: 'ignore',
    });
    try {
      const count = async () => Number(await sql('SELECT count(*) FROM orders'));
      const deadline = Date.now() + 60_000;
      while ((await count()) < 200) {
        if (Date.now() > deadline) throw new Error('the writer wrote nothing');
        await new Promise((r) => setTimeout(r, 50));
      }
      const atStart = await count();
      const backup = await lifeboat(['backup', '--only', 'mariadb'], { env });
      expect(backup.code, backup.stdout + backup.stderr).toBe(0);
      expect(await count()).toBeGreaterThan(atStart); // it went on writing all along
    } finally {
      writer.kill('SIGKILL');
    }
    const restore = await lifeboat(['restore', 'latest', '--only', 'mariadb', '--database-map', 'lab=lab_during_writes'], { env });
    expect(restore.code, restore.stdout + restore.stderr).toBe(0);
    const db = 'lab_during_writes';
    const orders = Number(await sql('SELECT count(*) FROM orders', db));
    expect(orders).toBeGreaterThanOrEqual(200);
    expect(Number(await sql("SELECT orders FROM totals WHERE k = 'all'", db))).toBe(orders);
    expect(Number(await sql('SELECT count(*) FROM order_lines', db))).toBe(orders * 3);
    expect(await sql('SELECT count(*) FROM orders o WHERE (SELECT count(*) FROM order_lines l WHERE l.order_id = o.id) <> 3', db)).toBe('0');
  });
});
