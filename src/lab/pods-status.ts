/** The pods of a running lab by node, for `lifeboat lab status` (asked of the lab's API server). */
import fs from 'node:fs';
import { ApiClient } from './kubelet/api-client.ts';
import type { LabState } from './lab.ts';

export interface NodePods {
  node: string;
  pods: { namespace: string; name: string; phase: string; ready: boolean }[];
}

/** Pods grouped by the node they are bound to ('' for pods not scheduled yet); undefined without an API server. */
export async function labPods(state: LabState): Promise<NodePods[] | undefined> {
  const apiserver = state.services.find((s) => s.name === 'kube-apiserver');
  if (!apiserver?.extra?.caCert || !apiserver.extra.tokens) return undefined;
  const api = new ApiClient({
    server: apiserver.address,
    ca: fs.readFileSync(apiserver.extra.caCert, 'utf8'),
    token: (JSON.parse(fs.readFileSync(apiserver.extra.tokens, 'utf8')) as { admin: string }).admin,
  });
  try {
    const [nodes, pods] = await Promise.all([api.get('/api/v1/nodes'), api.get('/api/v1/pods')]);
    const byNode = new Map<string, NodePods>((nodes.items as any[]).map((n) => [n.metadata.name, { node: n.metadata.name, pods: [] }]));
    for (const p of pods.items as any[]) {
      const node = p.spec?.nodeName ?? '';
      if (!byNode.has(node)) byNode.set(node, { node, pods: [] });
      const ready = (p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
      byNode.get(node)!.pods.push({ namespace: p.metadata.namespace, name: p.metadata.name, phase: p.status?.phase ?? 'Pending', ready });
    }
    return [...byNode.values()].sort((a, b) => a.node.localeCompare(b.node));
  } catch {
    return undefined;
  } finally {
    api.close();
  }
}

/** One line a node: its pod count and how many are in each phase. */
export function podLines(nodes: NodePods[]): string[] {
  return nodes.map((n) => {
    const phases = new Map<string, number>();
    for (const p of n.pods) phases.set(p.phase, (phases.get(p.phase) ?? 0) + 1);
    const detail = [...phases].map(([phase, count]) => `${count} ${phase}`).join(', ');
    return `  ${(n.node || '(unscheduled)').padEnd(17)} ${n.pods.length} pods${detail ? ` (${detail})` : ''}`;
  });
}
