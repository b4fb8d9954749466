// Services: the cluster assigns cluster IPs and node ports (unless asked for); the API server's own
// Service is the target's.
import type { KubeObject } from '../kube/client.ts';
import { deleteKeys, type KindRule } from './rule.ts';

/** True when the last-applied configuration asked for this node port (it was not auto-assigned). */
function nodePortAskedFor(obj: KubeObject, port: { port?: number; nodePort?: number }): boolean {
  const applied = obj.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'];
  if (!applied) return false;
  try {
    const spec = (JSON.parse(applied) as { spec?: { ports?: { port?: number; nodePort?: number }[] } }).spec;
    return (spec?.ports ?? []).some((p) => p.port === port.port && p.nodePort === port.nodePort);
  } catch {
    return false;
  }
}

export const services: KindRule = {
  appliesTo: ['services'],
  phase: 'networking',
  skipReason: (obj) => (obj.metadata.namespace === 'default' && obj.metadata.name === 'kubernetes' ? "the API server's own Service: the target cluster has its own" : undefined),
  clean(obj, _ctx, changes) {
    const spec = obj.spec as Record<string, any> | undefined;
    if (spec && spec.clusterIP !== 'None') deleteKeys(spec, ['clusterIP', 'clusterIPs'], 'spec.', changes, 'assigned by the target cluster');
    for (const p of (spec?.ports ?? []) as { port?: number; nodePort?: number }[]) {
      if (p.nodePort !== undefined && !nodePortAskedFor(obj, p)) {
        changes.push(`cleared spec.ports[port ${p.port}].nodePort ${p.nodePort} (auto-assigned)`);
        delete p.nodePort;
      }
    }
    if (spec?.healthCheckNodePort !== undefined) deleteKeys(spec, ['healthCheckNodePort'], 'spec.', changes, 'auto-assigned');
  },
  immutable: [['spec', 'clusterIP']],
  carryOver(spec, liveSpec) {
    for (const k of ['clusterIP', 'clusterIPs', 'healthCheckNodePort']) if (spec[k] === undefined && liveSpec[k] !== undefined) spec[k] = liveSpec[k];
    for (const p of spec.ports ?? []) {
      const lp = (liveSpec.ports ?? []).find((x: { port?: number; protocol?: string }) => x.port === p.port && (x.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
      if (p.nodePort === undefined && lp?.nodePort !== undefined) p.nodePort = lp.nodePort;
    }
  },
};
