/**
 * Objects in etcd as kube-apiserver keeps them: one key per object, the value the object without
 * its resourceVersion, and resourceVersion = the key's etcd mod revision.
 */
import { Etcd3, GRPCUnavailableError } from 'etcd3';
import { handleType, noop, retry } from 'cockatiel';
import { ApiError, errors } from './errors.ts';

export type KubeObject = Record<string, any> & { metadata: Record<string, any> };

export interface StoredObject {
  key: string;
  object: KubeObject;
  modRevision: number;
}

export interface ListPage {
  items: StoredObject[];
  revision: number;
  /** Key to continue from, when there are more. */
  nextKey?: string;
  remaining?: number;
}

/** The end of the range of keys starting with `prefix`. */
export function prefixEnd(prefix: string): Buffer {
  const b = Buffer.from(prefix);
  let i = b.length - 1;
  while (i >= 0 && b[i] === 0xff) i--;
  if (i < 0) return Buffer.from([0]);
  const end = Buffer.from(b.subarray(0, i + 1));
  end[i]++;
  return end;
}

export function decode(key: string, value: Buffer, modRevision: string | number): StoredObject {
  const object = JSON.parse(value.toString('utf8')) as KubeObject;
  object.metadata ??= {};
  object.metadata.resourceVersion = String(modRevision);
  return { key, object, modRevision: Number(modRevision) };
}

function encode(object: KubeObject): Buffer {
  const copy = { ...object, metadata: { ...object.metadata } };
  delete copy.metadata.resourceVersion;
  return Buffer.from(JSON.stringify(copy));
}

function storageError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  const message = (e as Error).message ?? String(e);
  if (/compacted/i.test(message)) return errors.gone(`The resourceVersion for the provided list is too old.`);
  return errors.internal(`etcd: ${message}`);
}

/**
 * Keys per etcd range read. kube-apiserver reads big lists from etcd in pages too; a page stays
 * far below any message limit even for CRDs of a few hundred KiB each.
 */
export const PAGE_KEYS = 100;

/**
 * The etcd client as kube-apiserver configures its own: no receive limit (MaxCallRecvMsgSize is
 * MaxInt32 upstream), and no circuit breaker, so one failed call never locks every other caller
 * out; a call that finds etcd unreachable is retried a few times (an etcd restart).
 */
export function etcdClient(etcdUrl: string): Etcd3 {
  return new Etcd3({
    hosts: etcdUrl,
    dialTimeout: 5000,
    grpcOptions: { 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 },
    faultHandling: {
      host: () => noop,
      global: retry(handleType(GRPCUnavailableError), { maxAttempts: 3 }),
    },
  });
}

export class Store {
  readonly client: Etcd3;

  constructor(etcdUrl: string) {
    this.client = etcdClient(etcdUrl);
  }

  async close(): Promise<void> {
    this.client.close();
  }

  async get(key: string): Promise<StoredObject | undefined> {
    try {
      const res = await this.client.kv.range({ key: Buffer.from(key) });
      const kv = res.kvs[0];
      return kv ? decode(key, kv.value, kv.mod_revision) : undefined;
    } catch (e) {
      throw storageError(e);
    }
  }

  /**
   * A page of the keys under `prefix` (which ends in "/"), from `startKey`, at `revision`: at most
   * `limit` keys, and never more than PAGE_KEYS (callers follow `nextKey`).
   */
  async list(prefix: string, opts: { limit?: number; startKey?: string; revision?: number } = {}): Promise<ListPage> {
    try {
      const res = await this.client.kv.range({
        key: Buffer.from(opts.startKey ?? prefix),
        range_end: prefixEnd(prefix),
        limit: Math.min(opts.limit || PAGE_KEYS, PAGE_KEYS),
        revision: opts.revision ?? 0,
      });
      const items = res.kvs.map((kv) => decode(kv.key.toString('utf8'), kv.value, kv.mod_revision));
      const revision = opts.revision ?? Number(res.header.revision);
      const page: ListPage = { items, revision };
      if (res.more && items.length > 0) {
        page.nextKey = items[items.length - 1].key + '\0';
        page.remaining = Number(res.count) - items.length;
      }
      return page;
    } catch (e) {
      throw storageError(e);
    }
  }

  /** Writes a new object; false if the key exists. Returns the new revision. */
  async create(key: string, object: KubeObject): Promise<number | undefined> {
    try {
      const res = await this.client.kv.txn({
        compare: [{ key: Buffer.from(key), target: 'Create', result: 'Equal', create_revision: 0 }],
        success: [{ request_put: { key: Buffer.from(key), value: encode(object) } }],
      });
      return res.succeeded ? Number(res.header.revision) : undefined;
    } catch (e) {
      throw storageError(e);
    }
  }

  /** Replaces an object if its revision is still `expected`; undefined on a conflict. */
  async update(key: string, object: KubeObject, expected: number): Promise<number | undefined> {
    try {
      const res = await this.client.kv.txn({
        compare: [{ key: Buffer.from(key), target: 'Mod', result: 'Equal', mod_revision: expected }],
        success: [{ request_put: { key: Buffer.from(key), value: encode(object) } }],
      });
      return res.succeeded ? Number(res.header.revision) : undefined;
    } catch (e) {
      throw storageError(e);
    }
  }

  /** Deletes an object if its revision is still `expected`; returns the delete's revision. */
  async delete(key: string, expected?: number): Promise<number | undefined> {
    try {
      const res = await this.client.kv.txn({
        compare: expected === undefined ? [] : [{ key: Buffer.from(key), target: 'Mod', result: 'Equal', mod_revision: expected }],
        success: [{ request_delete_range: { key: Buffer.from(key) } }],
      });
      return res.succeeded ? Number(res.header.revision) : undefined;
    } catch (e) {
      throw storageError(e);
    }
  }

  /** The current revision of the store. */
  async revision(): Promise<number> {
    try {
      const res = await this.client.kv.range({ key: Buffer.from('/registry/'), range_end: prefixEnd('/registry/'), count_only: true });
      return Number(res.header.revision);
    } catch (e) {
      throw storageError(e);
    }
  }
}
