// The backup hooks around one volume's copy: the pre-backup hooks of the pods that mount its
// claim run first; one that fails with on-error fail stops that copy (the job then fails and the
// snapshot is partial, naming the hook and its output), with continue it is a warning; then the
// copy; then the post-backup hooks. Each hook's line goes into the volume's manifest entry.
import type { JobContext } from '../../jobs/runner.ts';
import type { KubeClient } from '../../kube/client.ts';
import { describeHook, hookLine, hookOf, HookSpecError, podsMountingClaim, runHook, type HookPhase, type HookSpec } from '../../kube/pod-hooks.ts';
import { errorLine } from '../../errors.ts';

export interface AroundCopy<T> {
  value?: T;
  /** Why the volume failed because of a hook (its copy was not made, or a post hook failed). */
  failure?: string;
  /** One line per hook that ran. */
  lines: string[];
}

export async function aroundCopy<T>(ctx: JobContext, kube: KubeClient | undefined, claim: string | undefined, copy: () => Promise<T>): Promise<AroundCopy<T>> {
  const [namespace, name] = (claim ?? '').split('/');
  if (!kube || !namespace || !name) return { value: await copy(), lines: [] };
  let pods: Awaited<ReturnType<typeof podsMountingClaim>>;
  try {
    pods = await podsMountingClaim(kube, namespace, name, ctx.signal);
  } catch (e) {
    ctx.warn(`claim ${claim}: its pods could not be listed, so no hook ran: ${errorLine(e)}`);
    return { value: await copy(), lines: [] };
  }
  const lines: string[] = [];
  const specs = (phase: HookPhase): (HookSpec | HookSpecError)[] =>
    pods.flatMap((p): (HookSpec | HookSpecError)[] => {
      try {
        const h = hookOf(p as never, phase);
        return h ? [h] : [];
      } catch (e) {
        if (e instanceof HookSpecError) return [e];
        throw e;
      }
    });
  /** Runs the hooks of a phase; the first failure that must stop, if any. */
  const run = async (phase: HookPhase): Promise<string | undefined> => {
    for (const h of specs(phase)) {
      if (h instanceof HookSpecError) return h.message;
      ctx.progress({ phase: `${phase} hook in ${h.namespace}/${h.pod}` });
      const r = await runHook(kube, h, ctx.signal);
      ctx.signal.throwIfAborted();
      const line = hookLine(r);
      lines.push(line);
      if (r.ok) continue;
      if (h.onError === 'fail') return line;
      ctx.warn(`claim ${claim}: ${line} (on-error continue)`);
    }
    return undefined;
  };
  const stop = await run('pre-backup');
  if (stop) return { failure: `not copied: ${stop}`, lines };
  let value: T;
  try {
    value = await copy();
  } catch (e) {
    await run('post-backup');
    throw e;
  }
  const after = await run('post-backup');
  return { value, failure: after, lines };
}

/** What a dry run says of a claim's hooks: each hook that would run around its copy. */
export async function previewHooks(kube: KubeClient, claim: string, signal?: AbortSignal): Promise<string[]> {
  const [namespace, name] = claim.split('/');
  if (!namespace || !name) return [];
  const out: string[] = [];
  for (const p of await podsMountingClaim(kube, namespace, name, signal)) {
    for (const phase of ['pre-backup', 'post-backup'] as const) {
      try {
        const h = hookOf(p as never, phase);
        if (h) out.push(`${describeHook(h)} (timeout ${Math.round(h.timeoutMs / 1000)} s, on error ${h.onError})`);
      } catch (e) {
        if (!(e instanceof HookSpecError)) throw e;
        out.push(`${phase}: ${e.message}`);
      }
    }
  }
  return out;
}
