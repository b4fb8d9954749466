// The Kubernetes applier: the plan's object actions through the API, phase by phase (CRDs, then
// waiting until they are Established), each with retries and a result of its own.
import type { JobContext } from '../jobs/runner.ts';
import { KubeApiError, type KubeClient, type KubeObject } from '../kube/client.ts';
import { collectionPath } from '../kube/discovery.ts';
import { errorLine } from '../errors.ts';
import { resourceNameOf } from './cleanup.ts';
import { carryOver } from './existing.ts';
import { getLive, objectPath } from './objects-plan.ts';
import type { ApplyResult, ItemResult, ObjectAction } from './types.ts';
import { forEachLimit } from '../jobs/pool.ts';

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });

/** Polls until `check` is true, or throws `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(delay, signal);
  }
}

export interface ObjectsApplyOptions {
  client: KubeClient;
  waitTimeoutMs?: number;
  concurrency?: number;
}

async function create(ctx: JobContext, client: KubeClient, a: ObjectAction, object: KubeObject): Promise<void> {
  const path = collectionPath({ group: a.ref.group, groupVersion: a.ref.apiVersion, resource: a.ref.resource }, a.ref.namespaced ? a.namespace : undefined);
  await ctx.retry(() => client.requestOnce('POST', path, object, { signal: ctx.signal }));
}

async function applyOne(ctx: JobContext, opts: ObjectsApplyOptions, a: ObjectAction): Promise<ItemResult> {
  const { client } = opts;
  const item = { id: a.id, title: a.title };
  if (a.verb === 'skip') return { ...item, outcome: 'skipped', reason: a.reason };
  const object = a.object!;
  try {
    if (a.verb === 'create') {
      try {
        await create(ctx, client, a, object);
      } catch (e) {
        if (e instanceof KubeApiError && e.status === 409 && e.reason === 'AlreadyExists') {
          const byCluster = a.ref.resource === 'serviceaccounts' && a.name === 'default';
          return { ...item, outcome: 'skipped', reason: byCluster ? 'made by the cluster in the new namespace meanwhile' : 'created by someone else since the plan was made' };
        }
        throw e;
      }
      return { ...item, outcome: 'created' };
    }
    if (a.verb === 'update') {
      for (let attempt = 1; ; attempt++) {
        const live = await ctx.retry(() => getLive(client, a.ref, a.namespace, a.name, ctx.signal));
        try {
          if (!live) await create(ctx, client, a, object);
          else await ctx.retry(() => client.requestOnce('PUT', objectPath(a.ref, a.namespace, a.name), carryOver(a.ref, live, object), { signal: ctx.signal }));
          return { ...item, outcome: live ? 'updated' : 'created' };
        } catch (e) {
          // Changed by someone else between the read and the write: read it again.
          if (!(e instanceof KubeApiError && e.status === 409) || attempt >= 3) throw e;
        }
      }
    }
    // recreate
    const path = objectPath(a.ref, a.namespace, a.name);
    await ctx.retry(() => client.requestOnce('DELETE', path, { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' }, { signal: ctx.signal })).catch((e) => {
      if (!(e instanceof KubeApiError && e.status === 404)) throw e;
    });
    await waitFor(`${a.title} to be deleted`, async () => !(await getLive(client, a.ref, a.namespace, a.name, ctx.signal)), opts.waitTimeoutMs ?? 60_000, ctx.signal);
    await create(ctx, client, a, object);
    return { ...item, outcome: 'recreated' };
  } catch (e) {
    if (ctx.signal.aborted) throw e;
    return { ...item, outcome: 'failed', reason: errorLine(e) };
  }
}

/** Waits until each CRD the phase wrote is Established (its resources are served). */
async function waitEstablished(ctx: JobContext, opts: ObjectsApplyOptions, written: ObjectAction[], results: ItemResult[]): Promise<void> {
  for (const a of written) {
    const r = results.find((x) => x.id === a.id);
    if (!r || r.outcome === 'failed' || r.outcome === 'skipped') continue;
    try {
      await waitFor(
        `CustomResourceDefinition ${a.name} to be Established`,
        async () => {
          const crd = await getLive(opts.client, a.ref, undefined, a.name, ctx.signal);
          const conditions = ((crd?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []);
          return conditions.some((c) => c.type === 'Established' && c.status === 'True');
        },
        opts.waitTimeoutMs ?? 60_000,
        ctx.signal,
      );
    } catch (e) {
      if (ctx.signal.aborted) throw e;
      ctx.warn(errorLine(e));
    }
  }
}

/** Applies the object actions in plan order: phase by phase, a few objects at once within one. */
export async function applyObjects(ctx: JobContext, actions: ObjectAction[], opts: ObjectsApplyOptions): Promise<ApplyResult> {
  const results: ItemResult[] = [];
  const phases = [...new Set(actions.map((a) => a.phase))].sort((a, b) => a - b);
  ctx.progress({ phase: 'starting', itemsDone: 0, itemsTotal: actions.length });
  for (const phase of phases) {
    const batch = actions.filter((a) => a.phase === phase);
    ctx.progress({ phase: batch[0]!.phaseName });
    await forEachLimit(batch, opts.concurrency ?? 8, async (a) => {
      const r = await applyOne(ctx, opts, a);
      results.push(r);
      if (r.outcome === 'failed') ctx.warn(`${a.title}: ${r.reason}`);
      ctx.progress({ itemsDone: results.length });
    });
    const crds = batch.filter((a) => resourceNameOf(a.ref) === 'customresourcedefinitions.apiextensions.k8s.io' && a.verb !== 'skip');
    if (crds.length) {
      ctx.progress({ phase: 'waiting for CRDs' });
      await waitEstablished(ctx, opts, crds, results);
    }
  }
  ctx.progress({ phase: 'done', itemsDone: results.length });
  const order = new Map(actions.map((a, i) => [a.id, i]));
  results.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  return { items: results };
}
