/**
 * The lab's scheduler's choice of node: nodeSelector, required node affinity by
 * matchExpressions on labels, NoSchedule/NoExecute taints against tolerations, unschedulable
 * nodes; among the nodes that fit, the one with the fewest pods (a hash breaks ties).
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from '../storage.ts';

function tolerates(tolerations: any[], taint: any): boolean {
  return tolerations.some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (!t.key) return t.operator === 'Exists';
    if (t.key !== taint.key) return false;
    return t.operator === 'Exists' || (t.value ?? '') === (taint.value ?? '');
  });
}

function matchesExpression(labels: Record<string, string>, e: any): boolean {
  const v = labels[e.key];
  switch (e.operator) {
    case 'In':
      return v !== undefined && (e.values ?? []).includes(v);
    case 'NotIn':
      return v === undefined || !(e.values ?? []).includes(v);
    case 'Exists':
      return v !== undefined;
    case 'DoesNotExist':
      return v === undefined;
    case 'Gt':
      return v !== undefined && Number(v) > Number(e.values?.[0]);
    case 'Lt':
      return v !== undefined && Number(v) < Number(e.values?.[0]);
    default:
      return false;
  }
}

/** Why `node` cannot take `pod`, or undefined when it fits. */
export function unfit(pod: KubeObject, node: KubeObject): string | undefined {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(pod.spec?.nodeSelector ?? {})) if (labels[k] !== v) return "node(s) didn't match Pod's node affinity/selector";
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms?.length && !terms.some((t: any) => (t.matchExpressions ?? []).every((e: any) => matchesExpression(labels, e)))) return "node(s) didn't match Pod's node affinity/selector";
  if (node.spec?.unschedulable && !tolerates(pod.spec?.tolerations ?? [], { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' })) return 'node(s) were unschedulable';
  for (const taint of node.spec?.taints ?? []) {
    if (taint.effect === 'PreferNoSchedule') continue;
    if (!tolerates(pod.spec?.tolerations ?? [], taint)) return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
  }
  return undefined;
}

/** The node for `pod`, or the FailedScheduling message kube-scheduler would give. */
export function pickNode(pod: KubeObject, nodes: KubeObject[], pods: KubeObject[], key: string): { node?: string; message?: string } {
  const fits = nodes.filter((n) => !unfit(pod, n));
  if (fits.length === 0) {
    const reasons = new Map<string, number>();
    for (const n of nodes) {
      const r = unfit(pod, n)!;
      reasons.set(r, (reasons.get(r) ?? 0) + 1);
    }
    // kube-scheduler's FitError: the reasons sorted as strings, then the preemption verdict.
    const why = [...reasons].map(([r, n]) => `${n} ${r}`).sort().join(', ');
    if (!why) return { message: 'no nodes available to schedule pods' };
    return { message: `0/${nodes.length} nodes are available: ${why}. preemption: 0/${nodes.length} nodes are available: ${nodes.length} Preemption is not helpful for scheduling.` };
  }
  const load = (name: string) => pods.filter((p) => p.spec?.nodeName === name && !['Succeeded', 'Failed'].includes(p.status?.phase)).length;
  const tie = (name: string) => createHash('sha1').update(`${key}/${name}`).digest().readUInt32BE(0);
  const best = fits.map((n) => n.metadata.name as string).sort((a, b) => load(a) - load(b) || tie(a) - tie(b))[0];
  return { node: best };
}
