// Restore hooks: a `lifeboat.dev/post-restore` command (pod-hooks.ts) of a pod, or of a
// StatefulSet's or Deployment's pod template, that mounts a restored claim runs with exec once the
// restored pod runs again. Planned with the volume (the plan and the dry run name it), run after
// the volumes are written; each hook is one line of the report.
import type { JobContext } from '../../jobs/runner.ts';
import type { KubeClient, KubeObject } from '../../kube/client.ts';
import { describeHook, hookLine, hookOf, HookSpecError, podsMountingClaim, runHook, type HookSpec } from '../../kube/pod-hooks.ts';
import type { SourcePlanContext } from '../../restore/plan.ts';
import type { ItemResult, VolumeAction } from '../../restore/types.ts';
import { errorLine } from '../../errors.ts';

interface Template {
  metadata?: { annotations?: Record<string, string> };
  spec?: { containers?: { name: string }[]; volumes?: { persistentVolumeClaim?: { claimName?: string } }[] };
}

/** Whether a snapshot object's pods mount `claim` (a StatefulSet's through its claim templates). */
function mountsClaim(obj: KubeObject, claim: string): Template | undefined {
  const spec = obj.spec as { template?: Template; volumeClaimTemplates?: { metadata?: { name?: string } }[] } & Template['spec'];
  if (obj.kind === 'Pod') return spec?.volumes?.some((v) => v.persistentVolumeClaim?.claimName === claim) ? { metadata: obj.metadata, spec } : undefined;
  const template = spec?.template;
  if (!template) return undefined;
  if (template.spec?.volumes?.some((v) => v.persistentVolumeClaim?.claimName === claim)) return template;
  if (obj.kind === 'StatefulSet' && (spec.volumeClaimTemplates ?? []).some((t) => new RegExp(`^${t.metadata?.name}-${obj.metadata.name}-\\d+$`).test(claim))) return template;
  return undefined;
}

export interface PlannedRestoreHook {
  /** The volume action it follows. */
  after: string;
  /** Target namespace and claim: the hook runs in the live pods mounting it. */
  namespace: string;
  claim: string;
  /** The hook as declared (pod name: the snapshot's object). */
  spec: HookSpec;
  /** What declared it: `StatefulSet shop/postgres`. */
  from: string;
}

/** The post-restore hooks of the restored claims; each named in its volume action's reason. */
export function planRestoreHooks(ctx: SourcePlanContext, actions: VolumeAction[]): PlannedRestoreHook[] {
  const back = Object.fromEntries(Object.entries(ctx.mappings.namespaces).map(([from, to]) => [to, from]));
  const out: PlannedRestoreHook[] = [];
  for (const a of actions) {
    if (a.verb !== 'restore' || a.target?.type !== 'claim') continue;
    const { namespace, name } = a.target;
    const fromNs = back[namespace] ?? namespace;
    for (const { object } of ctx.snapshotObjects) {
      if ((object.metadata.namespace ?? '') !== fromNs || !['Pod', 'StatefulSet', 'Deployment'].includes(object.kind ?? '')) continue;
      const template = mountsClaim(object, name);
      if (!template) continue;
      let spec: HookSpec | undefined;
      try {
        spec = hookOf({ metadata: { name: object.metadata.name, namespace, annotations: template.metadata?.annotations }, spec: template.spec }, 'post-restore');
      } catch (e) {
        if (!(e instanceof HookSpecError)) throw e;
        a.warnings.push(e.message);
        continue;
      }
      if (!spec) continue;
      const from = `${object.kind} ${fromNs}/${object.metadata.name}`;
      out.push({ after: a.id, namespace, claim: name, spec, from });
      a.reason += `; then, once its pod runs, the post-restore hook of ${from}: ${spec.command.length === 3 && spec.command[1] === '-c' ? spec.command[2] : JSON.stringify(spec.command)}`;
    }
  }
  return out;
}

/** Waits for a Running pod that mounts the claim, then runs the hook in it. */
export async function runRestoreHooks(job: JobContext, kube: KubeClient | undefined, hooks: PlannedRestoreHook[], waitMs: number): Promise<ItemResult[]> {
  const items: ItemResult[] = [];
  for (const h of hooks) {
    const item = { id: `hook:${h.namespace}/${h.claim}/post-restore`, title: `post-restore hook of ${h.from}` };
    if (!kube) {
      items.push({ ...item, outcome: 'failed', reason: 'no target cluster to run it in' });
      continue;
    }
    job.progress({ phase: `waiting for a pod of ${h.from} to run` });
    let pod: KubeObject | undefined;
    const deadline = Date.now() + waitMs;
    try {
      while (!pod) {
        job.signal.throwIfAborted();
        pod = (await podsMountingClaim(kube, h.namespace, h.claim, job.signal)).find((p) => (p.status as { phase?: string } | undefined)?.phase === 'Running' && !p.metadata.deletionTimestamp);
        if (pod) break;
        if (Date.now() > deadline) throw new Error(`no pod mounting claim ${h.namespace}/${h.claim} was Running after ${Math.round(waitMs / 1000)} s`);
        await new Promise((r) => setTimeout(r, 500));
      }
    } catch (e) {
      if (job.signal.aborted) throw e;
      items.push({ ...item, outcome: 'failed', reason: `${describeHook(h.spec)}: ${errorLine(e)}` });
      continue;
    }
    const r = await runHook(kube, { ...h.spec, pod: pod.metadata.name }, job.signal);
    const line = hookLine(r);
    if (r.ok) items.push({ ...item, outcome: 'restored', reason: line });
    else if (h.spec.onError === 'continue') {
      job.warn(`${line} (on-error continue)`);
      items.push({ ...item, outcome: 'skipped', reason: `${line} (on-error continue)` });
    } else items.push({ ...item, outcome: 'failed', reason: line });
  }
  return items;
}
