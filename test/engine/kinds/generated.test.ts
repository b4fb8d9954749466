// What the cluster makes itself: never captured, never restored; owned objects only when their
// owner rebuilds them.
import { describe, expect, it } from 'vitest';
import { generatedReason, kindSkipReason } from '../../../src/engine/kinds/index.ts';
import { obj } from './helpers.ts';

const owned = (kind: string, name: string) => ({ ownerReferences: [{ apiVersion: 'apps/v1', kind, name, uid: 'u', controller: true }] });

describe('generated kinds', () => {
  it('always leaves out events, endpoints, leases, nodes and volume attachments', () => {
    for (const r of ['events', 'events.events.k8s.io', 'endpoints', 'endpointslices.discovery.k8s.io', 'leases.coordination.k8s.io', 'nodes', 'csinodes.storage.k8s.io', 'volumeattachments.storage.k8s.io']) {
      expect(generatedReason(r, obj('X', 'x', undefined)), r).toBeTruthy();
    }
    expect(generatedReason('nodes', obj('Node', 'n1', undefined))).toMatch(/kubelet/);
  });

  it('leaves out pods, replica sets, revisions and jobs only when their controller rebuilds them', () => {
    expect(generatedReason('pods', obj('Pod', 'p', 'shop', {}, owned('ReplicaSet', 'api-1')))).toBe('owned by ReplicaSet api-1: rebuilt from its template');
    expect(generatedReason('pods', obj('Pod', 'p', 'shop'))).toBeUndefined();
    expect(generatedReason('replicasets.apps', obj('ReplicaSet', 'r', 'shop', {}, owned('Deployment', 'api')))).toBe('owned by Deployment api: rebuilt from its template');
    expect(generatedReason('replicasets.apps', obj('ReplicaSet', 'r', 'shop', {}, owned('Widget', 'w')))).toBeUndefined();
    expect(generatedReason('controllerrevisions.apps', obj('ControllerRevision', 'c', 'shop', {}, owned('StatefulSet', 'db')))).toBe('history kept by StatefulSet db, rebuilt by it');
    expect(generatedReason('jobs.batch', obj('Job', 'j', 'shop', {}, owned('CronJob', 'nightly')))).toBe('run of CronJob nightly: the CronJob starts new ones');
    expect(generatedReason('jobs.batch', obj('Job', 'j', 'shop'))).toBeUndefined();
    // What is generated is also what a restore skips.
    expect(kindSkipReason('jobs.batch', obj('Job', 'j', 'shop', {}, owned('CronJob', 'nightly')))).toMatch(/CronJob nightly/);
  });
});
