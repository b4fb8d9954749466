/**
 * An in-process mirror of everything under /registry/, filled from a list and kept current by an
 * etcd watch (so it is right after an etcd restore too). Controllers and the garbage collector
 * read it and react to its events.
 */
import type { Watcher } from 'etcd3';
import { decode, type KubeObject, type StoredObject, type Store } from './storage.ts';

export interface CacheEvent {
  type: 'put' | 'delete';
  key: string;
  object: KubeObject;
  previous?: KubeObject;
  revision: number;
}

export class Cache {
  readonly objects = new Map<string, StoredObject>();
  /** owner uid -> keys of objects naming it in ownerReferences. */
  private readonly dependents = new Map<string, Set<string>>();
  /** uid -> key, to tell whether an owner still exists. */
  private readonly uids = new Map<string, string>();
  revision = 0;
  private watcher?: Watcher;
  private readonly listeners: ((e: CacheEvent) => void)[] = [];
  private waiters: { revision: number; resolve: () => void }[] = [];

  constructor(private readonly store: Store) {}

  async start(): Promise<void> {
    let startKey: string | undefined;
    let revision: number | undefined;
    for (;;) {
      const page = await this.store.list('/registry/', { limit: 1000, startKey, revision });
      revision = page.revision;
      for (const item of page.items) this.set(item);
      if (!page.nextKey) break;
      startKey = page.nextKey;
    }
    this.revision = revision!;
    this.watcher = await this.store.client
      .watch()
      .prefix('/registry/')
      .startRevision(String(this.revision + 1))
      .withPreviousKV()
      .create();
    this.watcher.on('put', (kv, prev) => {
      const item = decode(kv.key.toString('utf8'), kv.value, kv.mod_revision);
      const old = this.objects.get(item.key);
      this.set(item);
      this.advance(item.modRevision);
      this.emit({ type: 'put', key: item.key, object: item.object, previous: old?.object ?? (prev ? decode(item.key, prev.value, prev.mod_revision).object : undefined), revision: item.modRevision });
    });
    this.watcher.on('delete', (kv, prev) => {
      const key = kv.key.toString('utf8');
      const old = this.objects.get(key);
      this.unset(key);
      const revision = Number(kv.mod_revision);
      this.advance(revision);
      const object = old?.object ?? (prev ? decode(key, prev.value, prev.mod_revision).object : undefined);
      if (object) this.emit({ type: 'delete', key, object, revision });
    });
  }

  async stop(): Promise<void> {
    await this.watcher?.cancel().catch(() => undefined);
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
  }

  on(listener: (e: CacheEvent) => void): void {
    this.listeners.push(listener);
  }

  private emit(e: CacheEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        console.error(`cache listener failed on ${e.key}: ${(err as Error).stack}`);
      }
    }
  }

  private advance(revision: number): void {
    if (revision <= this.revision) return;
    this.revision = revision;
    const ready = this.waiters.filter((w) => w.revision <= revision);
    this.waiters = this.waiters.filter((w) => w.revision > revision);
    for (const w of ready) w.resolve();
  }

  /** Resolves once the cache has seen `revision` (or after `timeoutMs`). */
  waitFor(revision: number, timeoutMs = 5000): Promise<void> {
    if (revision <= this.revision) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.waiters.push({ revision, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  private set(item: StoredObject): void {
    this.unset(item.key);
    this.objects.set(item.key, item);
    if (item.object.metadata?.uid) this.uids.set(item.object.metadata.uid, item.key);
    for (const ref of item.object.metadata?.ownerReferences ?? []) {
      if (!ref?.uid) continue;
      const set = this.dependents.get(ref.uid) ?? new Set<string>();
      set.add(item.key);
      this.dependents.set(ref.uid, set);
    }
  }

  private unset(key: string): void {
    const old = this.objects.get(key);
    if (!old) return;
    this.objects.delete(key);
    if (this.uids.get(old.object.metadata?.uid) === key) this.uids.delete(old.object.metadata.uid);
    for (const ref of old.object.metadata?.ownerReferences ?? []) this.dependents.get(ref?.uid)?.delete(key);
  }

  /** Objects that name `uid` as an owner. */
  dependentsOf(uid: string): StoredObject[] {
    return [...(this.dependents.get(uid) ?? [])].map((k) => this.objects.get(k)).filter((o): o is StoredObject => o !== undefined);
  }

  /** Whether an object with this uid exists. */
  hasUid(uid: string): boolean {
    return this.uids.has(uid);
  }

  /** Objects under `prefix` (e.g. "/registry/pods/shop/"). */
  list(prefix: string): StoredObject[] {
    const out: StoredObject[] = [];
    for (const [k, v] of this.objects) if (k.startsWith(prefix)) out.push(v);
    return out;
  }

  get(key: string): StoredObject | undefined {
    return this.objects.get(key);
  }
}
