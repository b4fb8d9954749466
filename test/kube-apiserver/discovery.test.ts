import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './helpers.ts';

// What `kubectl api-versions` prints against a kube-apiserver 1.32 started with its defaults
// (its stable group/versions; every alpha and beta off, flowcontrol v1beta3 gone in 1.32).
const V1_32 = [
  'admissionregistration.k8s.io/v1',
  'apiextensions.k8s.io/v1',
  'apiregistration.k8s.io/v1',
  'apps/v1',
  'authentication.k8s.io/v1',
  'authorization.k8s.io/v1',
  'autoscaling/v1',
  'autoscaling/v2',
  'batch/v1',
  'certificates.k8s.io/v1',
  'coordination.k8s.io/v1',
  'discovery.k8s.io/v1',
  'events.k8s.io/v1',
  'flowcontrol.apiserver.k8s.io/v1',
  'networking.k8s.io/v1',
  'node.k8s.io/v1',
  'policy/v1',
  'rbac.authorization.k8s.io/v1',
  'scheduling.k8s.io/v1',
  'storage.k8s.io/v1',
  'v1',
];

describe('discovery is exactly kube-apiserver 1.32', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster('discovery', { controllers: false });
  });
  afterAll(async () => c?.stop());

  it('kubectl api-versions lists 1.32 group/versions, no later ones', async () => {
    const r = await c.kubectl(['api-versions']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(V1_32);
  });

  it('resources added after 1.32 are not served', async () => {
    const r = await c.kubectl(['api-resources', '-o', 'name']);
    expect(r.code, r.stderr).toBe(0);
    const names = r.stdout.trim().split('\n');
    expect(names).toContain('validatingadmissionpolicies.admissionregistration.k8s.io');
    for (const later of ['ipaddresses.networking.k8s.io', 'servicecidrs.networking.k8s.io', 'volumeattributesclasses.storage.k8s.io', 'mutatingadmissionpolicies.admissionregistration.k8s.io', 'resourceclaims.resource.k8s.io']) {
      expect(names).not.toContain(later);
    }
    const v1 = await c.request('GET', '/api/v1');
    expect(v1.json.resources.map((r: any) => r.name)).not.toContain('pods/resize');
    for (const gone of ['/apis/resource.k8s.io/v1', '/apis/storagemigration.k8s.io/v1', '/apis/lifecycle.k8s.io/v1alpha1', '/apis/flowcontrol.apiserver.k8s.io/v1beta3']) {
      expect((await c.request('GET', gone)).status, gone).toBe(404);
    }
  });
});
