import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastDue } from '../../src/lab/kube-apiserver/controllers/batch.ts';
import { startCluster, type Cluster } from './helpers.ts';

const MANIFEST = `
apiVersion: v1
kind: Namespace
metadata: { name: apps }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: api, namespace: apps }
spec:
  replicas: 2
  selector: { matchLabels: { app: api } }
  template:
    metadata: { labels: { app: api } }
    spec: { containers: [{ name: api, image: lab/api:1.0, ports: [{ name: http, containerPort: 8000 }] }] }
---
apiVersion: v1
kind: Service
metadata: { name: api, namespace: apps }
spec:
  selector: { app: api }
  ports: [{ name: http, port: 80, targetPort: http }]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: db, namespace: apps }
spec:
  serviceName: db
  replicas: 2
  selector: { matchLabels: { app: db } }
  template:
    metadata: { labels: { app: db } }
    spec: { containers: [{ name: postgres, image: lab/postgres:15, volumeMounts: [{ name: data, mountPath: /var/lib/postgresql/data }] }] }
  volumeClaimTemplates:
    - metadata: { name: data }
      spec: { accessModes: [ReadWriteOnce], resources: { requests: { storage: 1Gi } } }
---
apiVersion: apps/v1
kind: DaemonSet
metadata: { name: agent, namespace: apps }
spec:
  selector: { matchLabels: { app: agent } }
  template:
    metadata: { labels: { app: agent } }
    spec: { containers: [{ name: agent, image: lab/agent:1.0 }] }
---
apiVersion: batch/v1
kind: Job
metadata: { name: migrate, namespace: apps }
spec:
  completions: 2
  template:
    spec: { restartPolicy: Never, containers: [{ name: migrate, image: lab/api:1.0 }] }
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: scratch, namespace: apps }
spec: { accessModes: [ReadWriteOnce], resources: { requests: { storage: 2Gi } } }
`;

let c: Cluster;
beforeAll(async () => {
  c = await startCluster('controllers', { nodes: ['lab-node-1', 'lab-node-2'] });
  const r = await c.kubectl(['apply', '-f', '-'], { input: MANIFEST });
  expect(r.stderr).toBe('');
});
afterAll(async () => {
  await c?.stop();
});

const get = async (p: string) => (await c.request('GET', p)).json;
const items = async (p: string) => ((await get(p)).items ?? []) as any[];

describe('controllers', () => {
  it('runs a Deployment through a ReplicaSet with pod-template-hash to Running Pods', async () => {
    const pods = await c.until('2 api pods running', async () => {
      const list = (await items('/api/v1/namespaces/apps/pods?labelSelector=app%3Dapi')).filter((p) => p.status?.phase === 'Running');
      return list.length === 2 && list;
    });
    const rs = await items('/apis/apps/v1/namespaces/apps/replicasets');
    expect(rs).toHaveLength(1);
    const hash = rs[0].metadata.labels['pod-template-hash'];
    expect(rs[0].metadata.name).toBe(`api-${hash}`);
    expect(rs[0].metadata.ownerReferences[0]).toMatchObject({ kind: 'Deployment', name: 'api', controller: true });
    for (const p of pods) {
      expect(p.metadata.ownerReferences[0]).toMatchObject({ kind: 'ReplicaSet', name: rs[0].metadata.name, uid: rs[0].metadata.uid });
      expect(p.metadata.labels['pod-template-hash']).toBe(hash);
      expect(p.spec.nodeName).toMatch(/^lab-node-/);
      expect(p.status.podIP).toMatch(/^10\.244\./);
    }
    const d = await c.until('deployment available', async () => {
      const d = await get('/apis/apps/v1/namespaces/apps/deployments/api');
      return d.status?.availableReplicas === 2 && d;
    });
    expect(d.status.observedGeneration).toBe(1);
    expect(d.metadata.annotations['deployment.kubernetes.io/revision']).toBe('1');
  });

  it('gives the Service a cluster IP, Endpoints and an EndpointSlice of its pods', async () => {
    const svc = await get('/api/v1/namespaces/apps/services/api');
    expect(svc.spec.clusterIP).toMatch(/^10\.96\./);
    const ep = await c.until('endpoints', async () => {
      const ep = await get('/api/v1/namespaces/apps/endpoints/api');
      return ep.subsets?.[0]?.addresses?.length === 2 && ep;
    });
    expect(ep.subsets[0].ports).toEqual([{ name: 'http', port: 8000, protocol: 'TCP' }]);
    const slices = await items('/apis/discovery.k8s.io/v1/namespaces/apps/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dapi');
    expect(slices).toHaveLength(1);
    expect(slices[0].endpoints).toHaveLength(2);
  });

  it('runs a StatefulSet with PVCs from its templates, bound to hostPath PVs of lab-hostpath', async () => {
    await c.until('db-0 and db-1 running', async () => {
      const list = await items('/api/v1/namespaces/apps/pods?labelSelector=app%3Ddb');
      return list.filter((p) => p.status?.phase === 'Running').length === 2;
    });
    const pod = await get('/api/v1/namespaces/apps/pods/db-0');
    expect(pod.spec.volumes).toEqual(expect.arrayContaining([{ name: 'data', persistentVolumeClaim: { claimName: 'data-db-0' } }]));
    const pvc = await c.until('data-db-0 bound', async () => {
      const pvc = await get('/api/v1/namespaces/apps/persistentvolumeclaims/data-db-0');
      return pvc.status?.phase === 'Bound' && pvc;
    });
    expect(pvc.spec.storageClassName).toBe('lab-hostpath');
    const pv = await get(`/api/v1/persistentvolumes/${pvc.spec.volumeName}`);
    expect(pv.spec.claimRef).toMatchObject({ namespace: 'apps', name: 'data-db-0', uid: pvc.metadata.uid });
    expect(pv.spec.persistentVolumeReclaimPolicy).toBe('Delete');
    expect(pv.status.phase).toBe('Bound');
    expect(fs.statSync(pv.spec.hostPath.path).isDirectory()).toBe(true);
    expect(pv.spec.hostPath.path.startsWith(path.join(c.dir, 'volumes'))).toBe(true);
  });

  it('puts a DaemonSet pod on each node and completes a Job', async () => {
    await c.until('agent on both nodes', async () => {
      const list = await items('/api/v1/namespaces/apps/pods?labelSelector=app%3Dagent');
      return list.map((p) => p.spec.nodeName).sort().join() === 'lab-node-1,lab-node-2';
    });
    const job = await c.until('job complete', async () => {
      const j = await get('/apis/batch/v1/namespaces/apps/jobs/migrate');
      return j.status?.succeeded === 2 && j.status.completionTime && j;
    });
    expect(job.status.conditions.map((x: any) => x.type)).toContain('Complete');
    const pods = await items('/api/v1/namespaces/apps/pods?labelSelector=job-name%3Dmigrate');
    expect(pods.map((p) => p.status.phase)).toEqual(['Succeeded', 'Succeeded']);
  });

  it('schedules CronJobs from cron expressions', () => {
    const from = new Date('2025-01-01T10:00:30Z');
    expect(lastDue('*/15 * * * *', from, new Date('2025-01-01T10:31:00Z'))?.toISOString()).toBe('2025-01-01T10:30:00.000Z');
    expect(lastDue('0 3 * * *', from, new Date('2025-01-01T12:00:00Z'))).toBeUndefined();
    expect(lastDue('@hourly', from, new Date('2025-01-01T12:10:00Z'))?.toISOString()).toBe('2025-01-01T12:00:00.000Z');
  });

  it('deletes dependents in the background, keeps them with Orphan, and reclaims a released PV with its folder', async () => {
    const pvc = await c.until('scratch bound', async () => {
      const p = await get('/api/v1/namespaces/apps/persistentvolumeclaims/scratch');
      return p.status?.phase === 'Bound' && p;
    });
    const pv = await get(`/api/v1/persistentvolumes/${pvc.spec.volumeName}`);
    fs.writeFileSync(path.join(pv.spec.hostPath.path, 'file.txt'), 'data');
    expect((await c.kubectl(['delete', 'pvc', 'scratch', '-n', 'apps'])).code).toBe(0);
    await c.until('pv reclaimed', async () => (await c.request('GET', `/api/v1/persistentvolumes/${pv.metadata.name}`)).status === 404);
    await c.until('pv folder removed', async () => !fs.existsSync(pv.spec.hostPath.path));

    expect((await c.kubectl(['delete', 'daemonset', 'agent', '-n', 'apps', '--cascade=orphan'])).code).toBe(0);
    const agents = await items('/api/v1/namespaces/apps/pods?labelSelector=app%3Dagent');
    expect(agents).toHaveLength(2);
    expect(agents.every((p) => !p.metadata.ownerReferences)).toBe(true);

    expect((await c.kubectl(['delete', 'deployment', 'api', '-n', 'apps'])).code).toBe(0);
    await c.until('replicaset and pods collected', async () => {
      const rs = await items('/apis/apps/v1/namespaces/apps/replicasets');
      const pods = await items('/api/v1/namespaces/apps/pods?labelSelector=app%3Dapi');
      return rs.length === 0 && pods.length === 0;
    });
    await c.until('endpoints emptied', async () => !(await get('/api/v1/namespaces/apps/endpoints/api')).subsets);
  });
});
