// Restoring a Redis RDB (/redis/<server>/dump.rdb). Into a folder (--redis-target DIR): the RDB
// is written as DIR/<server>/dump.rdb, for a server started on it. Into the configured server of
// the same name: a temporary redis-server (no TCP port, a private folder) starts on the RDB and
// MIGRATEs every key, with its value and its expiry time, into the target; an empty target is
// loaded, one with keys is kept (skip), overwritten key by key (update) or flushed first (recreate).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { JobContext } from '../../jobs/runner.ts';
import { findPath, readFile } from '../../repository/reader.ts';
import type { ApplyContext } from '../../restore/apply-context.ts';
import { applyEach } from '../../restore/apply-context.ts';
import type { SourcePlanContext } from '../../restore/plan.ts';
import { scopedFolders } from '../../restore/snapshot-folders.ts';
import type { ApplyResult, ItemResult } from '../../restore/types.ts';
import { errorLine } from '../../errors.ts';
import { REDIS_PATH } from './backup.ts';
import { redisItemId } from './config.ts';
import { redisClient, redisPassword, redisWhere, type RedisConfig } from './config.ts';
import { keyspace, respConnect, type RespClient } from './resp.ts';

export interface RedisAction {
  source: 'redis';
  id: string;
  title: string;
  reason: string;
  warnings: string[];
  verb: 'restore' | 'update' | 'recreate' | 'write' | 'skip';
  from: string;
  server?: RedisConfig;
  /** write: where the RDB goes. */
  file?: string;
}

export async function planRedis(ctx: SourcePlanContext): Promise<RedisAction[]> {
  const names = await scopedFolders(ctx, REDIS_PATH);
  const policy = ctx.options.existingPolicy ?? 'skip';
  const out: RedisAction[] = [];
  for (const name of names) {
    const base = { source: 'redis' as const, id: redisItemId(name), title: `Redis ${name}`, from: `${REDIS_PATH}/${name}/dump.rdb`, warnings: [] as string[] };
    if (ctx.options.redisTarget) {
      const file = path.join(path.resolve(ctx.options.redisTarget), name, 'dump.rdb');
      if (fs.existsSync(file) && policy === 'skip') out.push({ ...base, verb: 'skip', file, reason: `${file} exists: kept as it is (existing policy skip)` });
      else out.push({ ...base, verb: 'write', file, reason: `the RDB is written to ${file}: start a server on it with 'redis-server --dir ${path.dirname(file)}'` });
      continue;
    }
    const server = (ctx.target.config?.redis ?? []).find((r) => r.name === name);
    if (!server) {
      out.push({ ...base, verb: 'skip', reason: `no Redis server named '${name}' is configured here: add it to redis[] of lifeboat.yaml, or write the RDB to a folder` });
      continue;
    }
    let keys: number;
    try {
      const client = await redisClient(server);
      try {
        keys = Object.values(await keyspace(client)).reduce((a, b) => a + b, 0);
      } finally {
        client.close();
      }
    } catch (err) {
      out.push({ ...base, server, verb: 'skip', reason: `cannot reach ${redisWhere(server)}: ${errorLine(err)}` });
      continue;
    }
    const a = { ...base, server };
    if (keys === 0) out.push({ ...a, verb: 'restore', reason: 'the server holds no keys: every key of the RDB is loaded with its expiry' });
    else if (policy === 'skip') out.push({ ...a, verb: 'skip', reason: `the server holds ${keys} keys: kept as it is (existing policy skip)` });
    else if (policy === 'update') out.push({ ...a, verb: 'update', reason: `the server holds ${keys} keys: the RDB's keys replace those of the same name, the others stay` });
    else out.push({ ...a, verb: 'recreate', reason: `the server holds ${keys} keys: flushed, then every key of the RDB is loaded` });
  }
  return out;
}

async function writeRdb(ctx: ApplyContext, from: string, file: string, onBytes: (n: number) => void): Promise<number> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const { node } = await findPath(ctx.repo, ctx.snapshot, from);
  const out = fs.openSync(tmp, 'w', 0o600);
  let size = 0;
  try {
    for await (const b of readFile(ctx.repo, node)) {
      fs.writeSync(out, b);
      size += b.length;
      onBytes(b.length);
    }
    fs.fsyncSync(out);
  } finally {
    fs.closeSync(out);
  }
  fs.renameSync(tmp, file);
  return size;
}

/** A redis-server on the RDB in `dir`, reached only through its socket; resolves once the RDB is loaded. */
async function loaderServer(dir: string, signal: AbortSignal): Promise<{ client: RespClient; stop(): Promise<void> }> {
  const socket = path.join(dir, 's');
  const child = spawn('redis-server', ['--port', '0', '--unixsocket', socket, '--dir', dir, '--dbfilename', 'dump.rdb', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    signal,
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4096)));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const stop = async () => {
    child.kill('SIGKILL');
    await exited;
  };
  child.on('error', () => undefined);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`redis-server could not load the RDB: ${stderr.trim().split('\n').at(-1) ?? ''}`);
    try {
      // Byte for byte: key names need not be UTF-8.
      const client = await respConnect({ path: socket }, { encoding: 'latin1' });
      const info = String(await client.call('INFO', 'persistence'));
      if (/loading:0/.test(info)) return { client, stop };
      client.close();
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error('redis-server did not load the RDB within 60 s');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Copies every key of every database of `from` into the server, keeping values and expiry. */
async function migrateAll(from: RespClient, server: RedisConfig, replace: boolean, onKeys: (n: number) => void): Promise<number> {
  const password = redisPassword(server);
  const auth = password === undefined ? [] : server.user ? ['AUTH2', server.user, password] : ['AUTH', password];
  let moved = 0;
  for (const db of Object.keys(await keyspace(from)).map(Number)) {
    await from.call('SELECT', db);
    let cursor = '0';
    do {
      const [next, keys] = (await from.call('SCAN', cursor, 'COUNT', 500)) as [string, string[]];
      cursor = next;
      if (keys.length) {
        const reply = await from.call('MIGRATE', server.host ?? '127.0.0.1', server.port ?? 6379, '', db, 30_000, 'COPY', ...(replace ? ['REPLACE'] : []), ...auth, 'KEYS', ...keys.map((k) => Buffer.from(k, 'latin1')));
        if (reply !== 'OK' && reply !== 'NOKEY') throw new Error(`MIGRATE answered ${String(reply)}`);
        moved += keys.length;
        onKeys(moved);
      }
    } while (cursor !== '0');
  }
  return moved;
}

export async function applyRedis(job: JobContext, ctx: ApplyContext, actions: RedisAction[]): Promise<ApplyResult> {
  let bytes = 0;
  job.progress({ phase: 'restoring', bytesDone: 0, itemsDone: 0, itemsTotal: actions.length });
  const items = await applyEach(job, actions, async (a, item): Promise<ItemResult> => {
    if (a.verb === 'write') {
      const size = await writeRdb(ctx, a.from, a.file!, (n) => job.progress({ bytesDone: (bytes += n) }));
      return { ...item, outcome: 'restored', reason: `RDB written to ${a.file} (${size} bytes)` };
    }
    const server = a.server!;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-redis-'));
    try {
      await writeRdb(ctx, a.from, path.join(dir, 'dump.rdb'), (n) => job.progress({ bytesDone: (bytes += n) }));
      job.progress({ phase: `loading ${a.title}` });
      const loader = await loaderServer(dir, job.signal);
      try {
        if (a.verb === 'recreate') {
          const target = await redisClient(server);
          try {
            await target.call('FLUSHALL');
          } finally {
            target.close();
          }
        }
        const moved = await migrateAll(loader.client, server, a.verb !== 'restore', (n) => job.progress({ phase: `${a.title}: ${n} keys` }));
        const made = a.verb === 'recreate' ? 'flushed, then ' : '';
        return { ...item, outcome: a.verb === 'update' ? 'updated' : a.verb === 'recreate' ? 'recreated' : 'restored', reason: `${made}${moved} keys loaded into ${redisWhere(server)}` };
      } finally {
        loader.client.close();
        await loader.stop();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  return { items };
}
