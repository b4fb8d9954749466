/**
 * A small controller runtime: controllers map cache events to keys, and one queue reconciles
 * keys one at a time, letting the cache catch up with each write before the next reconcile.
 */
import type { Cache, CacheEvent } from '../cache.ts';
import { ApiError } from '../errors.ts';
import type { ObjectApi } from '../objects.ts';
import type { ResourceInfo } from '../registry.ts';
import type { KubeObject, StoredObject } from '../storage.ts';

export interface ControllerOptions {
  volumesDir?: string;
  nodes: string[];
  /** PEM of the cluster CA, published in each namespace's kube-root-ca.crt ConfigMap. */
  caCert: string;
}

export interface Controller {
  name: string;
  /** Keys (usually "namespace/name" of the owner) that an event makes worth reconciling. */
  keysFor(e: CacheEvent): string[];
  reconcile(key: string): Promise<void>;
  /** Keys to reconcile at start and on each periodic resync. */
  resync?(): string[];
}

export class ControllerContext {
  constructor(
    readonly api: ObjectApi,
    readonly cache: Cache,
    readonly options: ControllerOptions,
  ) {}

  info(group: string, resource: string): ResourceInfo {
    const found = this.api.registry.storedResources().find((r) => r.group === group && r.resource === resource);
    if (!found) throw new Error(`no resource ${resource} in group "${group}"`);
    return found;
  }

  /** Cached objects of a resource, in one namespace or all. */
  list(group: string, resource: string, namespace?: string): KubeObject[] {
    const info = this.info(group, resource);
    return this.cache.list(`${info.prefix}/${info.namespaced && namespace ? `${namespace}/` : ''}`).map((s: StoredObject) => s.object);
  }

  get(group: string, resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const info = this.info(group, resource);
    return this.cache.get(this.api.key(info, namespace, name))?.object;
  }

  /** Whether a cache event is about `resource` of `group`. */
  is(e: CacheEvent, group: string, resource: string): boolean {
    return e.key.startsWith(`${this.info(group, resource).prefix}/`);
  }
}

export function ownerRef(owner: KubeObject, controller = true): Record<string, unknown> {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid,
    controller,
    blockOwnerDeletion: true,
  };
}

export function controlledBy(o: KubeObject, owner: KubeObject): boolean {
  return (o.metadata.ownerReferences ?? []).some((r: any) => r.uid === owner.metadata.uid && r.controller);
}

export function controllerOf(o: KubeObject): any {
  return (o.metadata?.ownerReferences ?? []).find((r: any) => r.controller);
}

export const nsKey = (o: KubeObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
export const splitKey = (key: string): [string | undefined, string] => {
  const i = key.indexOf('/');
  return [key.slice(0, i) || undefined, key.slice(i + 1)];
};

/** Swallows the races a controller expects (the object went away, someone wrote first). */
export function benign(e: unknown): undefined {
  if (e instanceof ApiError && [404, 409].includes(e.code)) return undefined;
  throw e;
}

export class WorkQueue {
  private readonly pending = new Map<string, { controller: Controller; key: string }>();
  private running = false;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly ctx: ControllerContext) {}

  add(controller: Controller, key: string): void {
    if (this.stopped) return;
    this.pending.set(`${controller.name}|${key}`, { controller, key });
    if (!this.running) void this.run();
  }

  private async run(): Promise<void> {
    this.running = true;
    while (this.pending.size > 0 && !this.stopped) {
      const [id, item] = this.pending.entries().next().value as [string, { controller: Controller; key: string }];
      this.pending.delete(id);
      try {
        await item.controller.reconcile(item.key);
        await this.ctx.cache.waitFor(await this.ctx.api.store.revision(), 2000);
      } catch (e) {
        if (this.stopped) break;
        console.error(`controller ${item.controller.name} ${item.key}: ${(e as Error).message}`);
        setTimeout(() => this.add(item.controller, item.key), 1000).unref();
      }
    }
    this.running = false;
    if (this.pending.size === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Resolves when nothing is pending (tests, seeding). */
  idle(): Promise<void> {
    if (!this.running && this.pending.size === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  stop(): void {
    this.stopped = true;
    this.pending.clear();
    for (const w of this.idleWaiters.splice(0)) w();
  }
}
