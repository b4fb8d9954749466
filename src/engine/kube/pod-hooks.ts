// Hooks in pods, as Velero's annotations do them: a command run with `exec` in a container of a
// pod that owns a volume, before and after that volume is copied (flush, freeze, thaw), and after
// the pod runs again from a restore. Read from the pod's annotations (or its template's):
//
//   lifeboat.dev/pre-backup: '["sh", "-c", "redis-cli save"]'   (a JSON list, or a line for sh -c)
//   lifeboat.dev/pre-backup-container: redis                     (default: the first container)
//   lifeboat.dev/pre-backup-timeout: 30s                         (default 30s)
//   lifeboat.dev/pre-backup-on-error: fail | continue            (default fail)
//
// and the same with post-backup and post-restore.
import { Writable } from 'node:stream';
import { parseDuration } from '../config/validate.ts';
import type { KubeClient, KubeObject } from './client.ts';

export type HookPhase = 'pre-backup' | 'post-backup' | 'post-restore';
export const HOOK_PREFIX = 'lifeboat.dev/';
const DEFAULT_TIMEOUT_MS = 30_000;
/** Output kept per hook (its tail), for the report. */
const OUTPUT_LIMIT = 2000;

export interface HookSpec {
  phase: HookPhase;
  namespace: string;
  pod: string;
  container: string;
  command: string[];
  timeoutMs: number;
  onError: 'fail' | 'continue';
}

export interface HookRun {
  spec: HookSpec;
  ok: boolean;
  /** The command's exit code, when it ran to the end. */
  exitCode?: number;
  /** stdout and stderr, as they came (the tail). */
  output: string;
  /** Why it failed, in words (exit code, timeout, could not exec). */
  error?: string;
}

/** A hook annotation that cannot be run as written: the message names the annotation and the fix. */
export class HookSpecError extends Error {}

interface PodLike {
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  spec?: { containers?: { name: string }[] };
}

/** The hook of `phase` a pod (or pod template, with the pod's name given) declares; undefined: none. */
export function hookOf(pod: PodLike, phase: HookPhase, podName = pod.metadata.name): HookSpec | undefined {
  const a = pod.metadata.annotations ?? {};
  const key = `${HOOK_PREFIX}${phase}`;
  const raw = a[key];
  if (raw === undefined || raw.trim() === '') return undefined;
  const where = `annotation ${key} of pod ${pod.metadata.namespace ?? 'default'}/${podName}`;
  let command: string[];
  if (raw.trim().startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new HookSpecError(`${where} is not a JSON list: write ["sh", "-c", "..."] or a plain command line`);
    }
    if (!Array.isArray(parsed) || parsed.length === 0 || parsed.some((p) => typeof p !== 'string')) throw new HookSpecError(`${where} must be a non-empty list of strings`);
    command = parsed as string[];
  } else command = ['/bin/sh', '-c', raw];
  const containers = pod.spec?.containers ?? [];
  const container = a[`${key}-container`] ?? containers[0]?.name;
  if (!container || (containers.length && !containers.some((c) => c.name === container))) {
    throw new HookSpecError(`${where} names container '${container ?? ''}', which the pod does not have (it has ${containers.map((c) => c.name).join(', ') || 'none'}): fix ${key}-container`);
  }
  const timeoutText = a[`${key}-timeout`];
  const timeoutMs = timeoutText === undefined ? DEFAULT_TIMEOUT_MS : parseDuration(timeoutText);
  if (timeoutMs === undefined) throw new HookSpecError(`${key}-timeout of pod ${pod.metadata.namespace ?? 'default'}/${podName} is '${timeoutText}': write a duration such as 30s or 5m`);
  const onErrorText = (a[`${key}-on-error`] ?? 'fail').toLowerCase();
  if (onErrorText !== 'fail' && onErrorText !== 'continue') throw new HookSpecError(`${key}-on-error of pod ${pod.metadata.namespace ?? 'default'}/${podName} is '${onErrorText}': write fail or continue`);
  return { phase, namespace: pod.metadata.namespace ?? 'default', pod: podName, container, command, timeoutMs, onError: onErrorText };
}

/** How the plan and the report name a hook. */
export function describeHook(h: HookSpec): string {
  const cmd = h.command.length === 3 && h.command[1] === '-c' ? h.command[2]! : JSON.stringify(h.command);
  return `${h.phase} hook in pod ${h.namespace}/${h.pod} (container ${h.container}): ${cmd}`;
}

/** A hook's result in one line: what ran, how it ended, and its output. */
export function hookLine(r: HookRun): string {
  const out = r.output.trim().replace(/\s*\n\s*/g, ' | ');
  return `${describeHook(r.spec)}: ${r.ok ? 'ok' : `failed (${r.error})`}${out ? `; output: ${out}` : ''}`;
}

/** The pods of a namespace that mount a claim. */
export async function podsMountingClaim(kube: KubeClient, namespace: string, claim: string, signal?: AbortSignal): Promise<KubeObject[]> {
  const list = await kube.get<{ items: KubeObject[] }>(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`, { signal });
  return list.items.filter((p) => ((p.spec as { volumes?: { persistentVolumeClaim?: { claimName?: string } }[] } | undefined)?.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === claim));
}

/** Runs a hook with exec in its pod's container; never throws: the run says how it went. */
export async function runHook(kube: KubeClient, spec: HookSpec, signal?: AbortSignal): Promise<HookRun> {
  const { Exec } = await import('@kubernetes/client-node');
  let output = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      output = (output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
      cb();
    },
  });
  return new Promise<HookRun>((resolve) => {
    let settled = false;
    let socket: { close(): void; on?(e: string, f: () => void): void } | undefined;
    let status: { status?: string; message?: string; details?: { causes?: { reason?: string; message?: string }[] } } | undefined;
    const finish = (run: Omit<HookRun, 'spec' | 'output'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      try {
        socket?.close();
      } catch {
        /* closed */
      }
      // The output may trail the status by a moment: it is taken as it stands now.
      setImmediate(() => resolve({ spec, output, ...run }));
    };
    const timer = setTimeout(() => finish({ ok: false, error: `no end after ${Math.round(spec.timeoutMs / 1000)} s (its timeout)` }), spec.timeoutMs);
    const onAbort = () => finish({ ok: false, error: 'cancelled' });
    signal?.addEventListener('abort', onAbort);
    const fromStatus = () => {
      if (!status) return finish({ ok: false, error: 'the connection closed before the command ended' });
      if (status.status === 'Success') return finish({ ok: true, exitCode: 0 });
      const code = status.details?.causes?.find((c) => c.reason === 'ExitCode')?.message;
      finish(code !== undefined ? { ok: false, exitCode: Number(code), error: `exit code ${code}` } : { ok: false, error: status.message ?? 'failed' });
    };
    new Exec(kube.kubeConfig)
      .exec(spec.namespace, spec.pod, spec.container, spec.command, sink, sink, null, false, (s) => {
        status = s as typeof status;
        // Give the last output frames a moment to arrive before the socket closes.
        setTimeout(fromStatus, 50);
      })
      .then((ws) => {
        socket = ws as unknown as typeof socket;
        ws.on('close', () => setTimeout(fromStatus, 50));
      })
      .catch((e: unknown) => finish({ ok: false, error: `could not exec: ${(e as Error).message?.split('\n')[0] ?? String(e)}` }));
  });
}
