// A small Redis client (RESP2 over TCP or a unix socket): enough for the Redis source's restore
// (AUTH, INFO, SCAN, MIGRATE, FLUSHALL) without a client library.
import net from 'node:net';

export type RespValue = string | number | null | RespValue[] | RespError;
export class RespError extends Error {}

/** Parses one reply from `buf` at `at`; undefined when the reply is not complete yet. */
function parse(buf: Buffer, at: number, enc: BufferEncoding): { value: RespValue; end: number } | undefined {
  const nl = buf.indexOf('\r\n', at);
  if (nl < 0) return undefined;
  const type = String.fromCharCode(buf[at]!);
  const line = buf.toString('utf8', at + 1, nl);
  switch (type) {
    case '+':
      return { value: line, end: nl + 2 };
    case '-':
      return { value: new RespError(line), end: nl + 2 };
    case ':':
      return { value: Number(line), end: nl + 2 };
    case '$': {
      const n = Number(line);
      if (n < 0) return { value: null, end: nl + 2 };
      if (buf.length < nl + 2 + n + 2) return undefined;
      return { value: buf.toString(enc, nl + 2, nl + 2 + n), end: nl + 2 + n + 2 };
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return { value: null, end: nl + 2 };
      const items: RespValue[] = [];
      let end = nl + 2;
      for (let i = 0; i < n; i++) {
        const item = parse(buf, end, enc);
        if (!item) return undefined;
        items.push(item.value);
        end = item.end;
      }
      return { value: items, end };
    }
    default:
      throw new RespError(`not a Redis reply (starts with ${JSON.stringify(type)})`);
  }
}

function encode(args: (string | number | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a));
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

export interface RespClient {
  /** Sends one command; resolves with its reply, rejects with the server's error. */
  call(...args: (string | number | Buffer)[]): Promise<RespValue>;
  close(): void;
}

/**
 * Connects (`{ host, port }` or `{ path }`), and AUTHs when a password is given. Replies are read
 * as UTF-8, or with `encoding: 'latin1'` byte for byte (binary values, DUMP payloads).
 */
export async function respConnect(
  where: { host?: string; port?: number; path?: string },
  opts: { password?: string; user?: string; timeoutMs?: number; encoding?: BufferEncoding } = {},
): Promise<RespClient> {
  const socket = where.path ? net.connect({ path: where.path }) : net.connect({ host: where.host ?? '127.0.0.1', port: where.port ?? 6379 });
  const waiting: { resolve(v: RespValue): void; reject(e: Error): void }[] = [];
  let buf = Buffer.alloc(0);
  let failed: Error | undefined;
  const fail = (e: Error) => {
    failed ??= e;
    for (const w of waiting.splice(0)) w.reject(e);
  };
  socket.setTimeout(opts.timeoutMs ?? 30_000, () => {
    fail(new Error(`Redis ${where.path ?? `${where.host ?? '127.0.0.1'}:${where.port ?? 6379}`} did not answer`));
    socket.destroy();
  });
  socket.on('error', (e) => fail(e));
  socket.on('close', () => fail(new Error('Redis closed the connection')));
  socket.on('data', (d) => {
    buf = buf.length ? Buffer.concat([buf, d]) : d;
    let at = 0;
    for (;;) {
      const r = parse(buf, at, opts.encoding ?? 'utf8');
      if (!r) break;
      at = r.end;
      const w = waiting.shift();
      if (r.value instanceof RespError) w?.reject(r.value);
      else w?.resolve(r.value);
    }
    buf = buf.subarray(at);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const client: RespClient = {
    call(...args) {
      if (failed) return Promise.reject(failed);
      return new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        socket.write(encode(args));
      });
    },
    close: () => socket.destroy(),
  };
  if (opts.password !== undefined) {
    try {
      await client.call('AUTH', ...(opts.user ? [opts.user] : []), opts.password);
    } catch (e) {
      client.close();
      throw e;
    }
  }
  return client;
}

/** Keys per database from `INFO keyspace` (`db0:keys=3,expires=1,...`). */
export async function keyspace(client: RespClient): Promise<Record<number, number>> {
  const info = String(await client.call('INFO', 'keyspace'));
  const out: Record<number, number> = {};
  for (const m of info.matchAll(/^db(\d+):keys=(\d+)/gm)) out[Number(m[1])] = Number(m[2]);
  return out;
}
