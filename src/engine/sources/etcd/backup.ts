// The etcd source: one snapshot of the keyspace through the maintenance API's snapshot stream,
// streamed into the repository as /etcd/snapshot.db. etcd ends a snapshot with the SHA-256 of
// everything before it; that hash is checked as the bytes go by, so a damaged stream fails the job.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { Etcd3, type IOptions } from 'etcd3';
import type { JobContext } from '../../jobs/runner.ts';
import type { SnapshotSink } from '../sink.ts';
import { SNAPSHOT_PATHS } from '../sink.ts';
import type { BackupSource, SourceResult } from '../types.ts';
import { DeadlineError, idleDeadline, requestDeadlineMs } from '../../deadline.ts';
import { errorLine } from '../../errors.ts';
import { BoltStatusReader, type BoltStatus } from './bolt.ts';
import { ETCD_ITEM_ID } from '../item-ids.ts';

export interface EtcdSourceOptions {
  /** Client URLs (http:// or https://); the first that answers is snapshotted. */
  endpoints: string[];
  /** PEM files for TLS: the CA that signed the server, and a client certificate and key. */
  ca?: string;
  cert?: string;
  key?: string;
  /** How long a single unary call (status, count) may take; default 10 s. */
  timeoutMs?: number;
}

export const ETCD_SNAPSHOT_PATH = `${SNAPSHOT_PATHS.etcd}/snapshot.db`;
const SHA_SIZE = 32;

/**
 * Hashes a stream except its last 32 bytes, and keeps those bytes: at the end, `matches()` says
 * whether they are the SHA-256 of the rest (etcd's trailer).
 */
export class TrailingSha256 {
  private readonly hash = createHash('sha256');
  private tail = Buffer.alloc(0);

  update(chunk: Uint8Array): void {
    const all = this.tail.length ? Buffer.concat([this.tail, chunk]) : Buffer.from(chunk);
    const cut = Math.max(0, all.length - SHA_SIZE);
    if (cut > 0) this.hash.update(all.subarray(0, cut));
    this.tail = Buffer.from(all.subarray(cut));
  }

  /** The trailer and the hash of what came before it. */
  result(): { trailer: string; computed: string; matches: boolean } {
    const computed = this.hash.digest('hex');
    const trailer = this.tail.toString('hex');
    return { trailer, computed, matches: this.tail.length === SHA_SIZE && trailer === computed };
  }
}

function clientOptions(endpoint: string, opts: EtcdSourceOptions): IOptions {
  const timeout = opts.timeoutMs ?? requestDeadlineMs();
  const options: IOptions = {
    hosts: [endpoint],
    dialTimeout: timeout,
    defaultCallOptions: (c) => (c.isStream ? {} : { deadline: Date.now() + timeout }),
  };
  if (opts.ca || opts.cert || opts.key) {
    const read = (what: string, file?: string) => {
      if (!file) return undefined;
      try {
        return fs.readFileSync(file);
      } catch (e) {
        throw new Error(`etcd: cannot read the ${what} file ${file}: ${errorLine(e)}`);
      }
    };
    options.credentials = {
      rootCertificate: read('CA (etcd.ca)', opts.ca) ?? Buffer.alloc(0),
      certChain: read('client certificate (etcd.cert)', opts.cert),
      privateKey: read('client key (etcd.key)', opts.key),
    };
    if (!opts.ca) delete (options.credentials as { rootCertificate?: Buffer }).rootCertificate;
  }
  return options;
}

interface SnapshotMessage {
  header?: { revision?: string };
  remaining_bytes?: string;
  blob?: Buffer;
}

type CancellableStream = AsyncIterable<SnapshotMessage> & { cancel?(): void; destroy?(e?: Error): void };

export function etcdSource(opts: EtcdSourceOptions): BackupSource {
  return {
    kind: 'etcd',
    title: 'etcd snapshot',
    async run(ctx: JobContext, sink: SnapshotSink): Promise<SourceResult> {
      if (!opts.endpoints.length) throw new Error('etcd: no endpoints configured (etcd.endpoints in lifeboat.yaml)');
      ctx.progress({ phase: 'connecting', bytesDone: 0, itemsDone: 0, itemsTotal: 1 });
      // The first endpoint that answers a status call is the one snapshotted.
      const failures: string[] = [];
      let client: Etcd3 | undefined;
      let endpoint = '';
      let status: Awaited<ReturnType<Etcd3['maintenance']['status']>> | undefined;
      for (const ep of opts.endpoints) {
        ctx.signal.throwIfAborted();
        const c = new Etcd3(clientOptions(ep, opts));
        try {
          status = await c.maintenance.status();
          client = c;
          endpoint = ep;
          break;
        } catch (e) {
          c.close();
          failures.push(`${ep}: ${/DEADLINE_EXCEEDED|Deadline exceeded/i.test(errorLine(e)) ? new DeadlineError('status', opts.timeoutMs ?? requestDeadlineMs()).message : errorLine(e)}`);
        }
      }
      if (!client || !status) throw new Error(`etcd unreachable at ${failures.join('; ')}`);
      try {
        return await snapshot(ctx, sink, client, endpoint, status);
      } catch (e) {
        if (ctx.signal.aborted) throw e;
        throw new Error(`etcd ${endpoint}: ${errorLine(e)}`);
      } finally {
        client.close();
      }
    },
  };
}

async function snapshot(
  ctx: JobContext,
  sink: SnapshotSink,
  client: Etcd3,
  endpoint: string,
  status: { version: string; dbSize: string; header: { revision: string } },
): Promise<SourceResult> {
  const dbSize = Number(status.dbSize);
  // The snapshot is the backend file plus the 32-byte trailer.
  const bytesTotal = dbSize + SHA_SIZE;
  ctx.progress({ phase: 'snapshot', bytesDone: 0, bytesTotal });
  const stream = (await client.maintenance.snapshot()) as unknown as CancellableStream;
  const onAbort = () => (stream.cancel ? stream.cancel() : stream.destroy?.(new Error('aborted')));
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const sha = new TrailingSha256();
  const bolt = new BoltStatusReader();
  let revision: number | undefined;
  let sha256 = '';
  async function* blobs(): AsyncGenerator<Uint8Array> {
    // A frozen etcd sends nothing: an idle deadline, so a big snapshot that keeps coming is not cut.
    for await (const msg of idleDeadline(`etcd ${endpoint} snapshot stream`, stream, onAbort)) {
      if (revision === undefined && msg.header?.revision !== undefined) revision = Number(msg.header.revision);
      if (!msg.blob?.length) continue;
      sha.update(msg.blob);
      bolt.update(msg.blob);
      yield msg.blob;
    }
    // Checked before the stream ends, so a damaged snapshot is never placed in the snapshot.
    const check = sha.result();
    if (!check.matches) {
      throw new Error(`the snapshot's trailing SHA-256 does not match its content (trailer ${check.trailer.slice(0, 16)}…, computed ${check.computed.slice(0, 16)}…): the stream was damaged or cut short`);
    }
    sha256 = check.trailer;
  }
  let size: number;
  try {
    ({ size } = await sink.addStream(ETCD_SNAPSHOT_PATH, blobs(), {
      mode: 0o600,
      signal: ctx.signal,
      onBytes: (n) => ctx.progress({ bytesDone: n, bytesTotal: Math.max(bytesTotal, n) }),
    }));
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
  }
  ctx.signal.throwIfAborted();
  revision ??= Number(status.header.revision);
  // What `etcdctl snapshot status` would say, read from the bbolt pages as they went by.
  let boltStatus: BoltStatus | undefined;
  try {
    boltStatus = bolt.status();
  } catch (e) {
    ctx.warn(`etcd ${endpoint}: the snapshot's hash is right, but its bbolt pages could not be summed up (${errorLine(e)}): total keys not recorded`);
  }
  // The last revision in the snapshot's key bucket is what it holds; the stream's header said
  // what the server was at when the stream began.
  if (boltStatus?.revision) revision = boltStatus.revision;
  ctx.progress({ phase: 'counting keys', bytesDone: size, bytesTotal: size });
  // Keys at the snapshot's revision: a count-only range over the whole keyspace.
  const counted = await client.kv.range({ key: Buffer.from([0]), range_end: Buffer.from([0]), count_only: true, revision });
  const keys = Number(counted.count);
  ctx.progress({ phase: 'done', itemsDone: 1, itemsTotal: 1 });
  const details = {
    endpoint,
    revision,
    keys,
    ...(boltStatus ? { totalKeys: boltStatus.totalKeys } : {}),
    size,
    version: status.version,
    sha256,
  };
  return {
    captured: [{ id: ETCD_ITEM_ID, path: ETCD_SNAPSHOT_PATH, bytes: size, items: 1, details }],
    skipped: [],
    bytes: size,
    items: 1,
    details,
  };
}
