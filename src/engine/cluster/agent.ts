// The node agent (`lifeboat agent`, the DaemonSet's pods): it holds its node's Lease
// (lifeboat-agent-<node>) while it runs, so the controller hands work only to nodes whose
// agent is alive, and a dead agent's lease runs out by the same rules as any Lease.
import type { KubeClient } from '../kube/client.ts';
import { runElected } from './lease.ts';

export const agentLeaseName = (node: string) => `lifeboat-agent-${node}`;

export interface AgentOptions {
  kube: () => KubeClient;
  namespace: string;
  node: string;
  identity: string;
  signal: AbortSignal;
  log(line: string): void;
  leaseSeconds?: number;
  retryMs?: number;
  /** Work done while this agent is its node's agent. */
  work?(active: AbortSignal): Promise<void>;
}

export async function runAgent(o: AgentOptions): Promise<void> {
  await runElected(
    o.kube,
    { namespace: o.namespace, name: agentLeaseName(o.node), identity: o.identity, durationSeconds: o.leaseSeconds ?? 15, retryMs: o.retryMs ?? 3000 },
    o.signal,
    async (active) => {
      o.log(`agent ${o.identity} serves node ${o.node}`);
      await o.work?.(active);
    },
    o.log,
  );
}
