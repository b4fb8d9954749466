import { describe, expect, it } from 'vitest';
import { carryOver, immutableChanges, kindSkipReason } from '../../../src/engine/kinds/index.ts';
import { clean, obj } from './helpers.ts';

describe('services', () => {
  it("skips the API server's own Service, and only that one", () => {
    expect(kindSkipReason('services', obj('Service', 'kubernetes', 'default'))).toMatch(/API server's own Service/);
    expect(kindSkipReason('services', obj('Service', 'kubernetes', 'shop'))).toBeUndefined();
  });

  it('clears assigned addresses and ports, keeps a headless Service and an asked-for node port', () => {
    const applied = JSON.stringify({ spec: { ports: [{ port: 81, nodePort: 31001 }] } });
    const svc = obj('Service', 'api', 'shop', { spec: { clusterIP: '10.0.0.5', clusterIPs: ['10.0.0.5'], healthCheckNodePort: 30999, ports: [{ port: 80, nodePort: 30080 }, { port: 81, nodePort: 31001 }] } }, { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': applied } });
    const { object, changes } = clean('services', svc);
    expect(object.spec).toEqual({ ports: [{ port: 80 }, { port: 81, nodePort: 31001 }] });
    expect(changes).toEqual(['cleared spec.clusterIP, spec.clusterIPs (assigned by the target cluster)', 'cleared spec.ports[port 80].nodePort 30080 (auto-assigned)', 'cleared spec.healthCheckNodePort (auto-assigned)']);
    const headless = clean('services', obj('Service', 'db', 'shop', { spec: { clusterIP: 'None' } }));
    expect(headless.object.spec).toEqual({ clusterIP: 'None' });
    expect(headless.changes).toEqual([]);
  });

  it('carries the live address and node ports into an update, and a changed clusterIP is immutable', () => {
    const live = obj('Service', 'api', 'shop', { spec: { clusterIP: '10.0.0.9', clusterIPs: ['10.0.0.9'], ports: [{ port: 80, nodePort: 30111 }] } }, { resourceVersion: '42' });
    const desired = obj('Service', 'api', 'shop', { spec: { ports: [{ port: 80 }] } });
    const out = carryOver('services', live, desired);
    expect(out.spec).toEqual({ clusterIP: '10.0.0.9', clusterIPs: ['10.0.0.9'], ports: [{ port: 80, nodePort: 30111 }] });
    expect(out.metadata.resourceVersion).toBe('42');
    expect(desired.spec).toEqual({ ports: [{ port: 80 }] });
    expect(immutableChanges('services', live, desired)).toEqual([]);
    expect(immutableChanges('services', live, obj('Service', 'api', 'shop', { spec: { clusterIP: '10.0.0.1' } }))).toEqual(['spec.clusterIP']);
  });
});
