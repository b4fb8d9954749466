// The Redis source: an RDB snapshot taken through the server (`redis-cli --rdb -`: the server
// forks and sends a point-in-time RDB, as to a new replica), streamed into
// /redis/<server>/dump.rdb. Restored by starting a server on it (see restore.ts).
import type { JobContext } from '../../jobs/runner.ts';
import { childStream } from '../child-stream.ts';
import type { SnapshotSink } from '../sink.ts';
import type { BackupSource, SourceResult } from '../types.ts';
import { errorLine } from '../../errors.ts';
import { redisCli, redisClient, redisItemId, redisWhere, type RedisConfig } from './config.ts';
import { keyspace } from './resp.ts';

export const REDIS_PATH = '/redis';
export const redisDumpPath = (server: string) => `${REDIS_PATH}/${server}/dump.rdb`;

export function redisSource(opts: { servers: RedisConfig[]; only?: (id: string) => boolean; cli?: string }): BackupSource {
  const program = opts.cli ?? 'redis-cli';
  return {
    kind: 'redis',
    title: 'Redis servers',
    async run(ctx: JobContext, sink: SnapshotSink): Promise<SourceResult> {
      const result: SourceResult = { captured: [], skipped: [], bytes: 0, items: 0 };
      const servers = opts.servers.filter((s) => !opts.only || opts.only(redisItemId(s.name)));
      const failures: string[] = [];
      ctx.progress({ phase: 'snapshots', bytesDone: 0, itemsDone: 0, itemsTotal: servers.length });
      for (const server of servers) {
        ctx.signal.throwIfAborted();
        try {
          const client = await redisClient(server);
          let version = '?';
          let keys: Record<number, number>;
          try {
            version = /redis_version:(\S+)/.exec(String(await client.call('INFO', 'server')))?.[1] ?? '?';
            keys = await keyspace(client);
          } finally {
            client.close();
          }
          const cli = redisCli(server);
          ctx.progress({ phase: `RDB of ${server.name}` });
          const before = result.bytes;
          const child = childStream(`Redis ${redisWhere(server)} RDB`, program, [...cli.args, '--rdb', '-'], { env: cli.env, signal: ctx.signal });
          let size: number;
          try {
            ({ size } = await sink.addStream(redisDumpPath(server.name), child.stream, { mode: 0o600, signal: ctx.signal, onBytes: (n) => ctx.progress({ bytesDone: before + n }) }));
          } catch (e) {
            await child.kill();
            throw e;
          }
          if (size === 0) throw new Error('the server sent an empty RDB');
          result.captured.push({
            id: redisItemId(server.name),
            path: redisDumpPath(server.name),
            bytes: size,
            items: 1,
            details: {
              format: 'Redis RDB (redis-cli --rdb); restore by starting a server on it',
              server: redisWhere(server),
              serverVersion: version,
              keys: Object.values(keys).reduce((a, b) => a + b, 0),
              databases: Object.keys(keys).map((d) => `db${d}`).join(','),
            },
          });
          result.bytes += size;
          result.items++;
        } catch (e) {
          if (ctx.signal.aborted) throw e;
          failures.push(`Redis server '${server.name}' (${redisWhere(server)}): ${errorLine(e)}`);
        }
        ctx.progress({ bytesDone: result.bytes, itemsDone: result.items });
      }
      if (failures.length) throw new Error(failures.join('; '));
      return result;
    },
  };
}
