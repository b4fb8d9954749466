// etcd end to end on the lab: the backed-up etcd snapshot restored into a new data directory
// (new member and cluster ids, revision moved on and compacted), the lab's etcd started on it,
// an API server started on that, and kubectl sees the objects of the backup (and not one made after).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Etcd3 } from 'etcd3';
import { describe, expect, it } from 'vitest';
import { planRestore } from '../../src/engine/restore/plan.ts';
import { runRestore } from '../../src/engine/restore/restore.ts';
import type { EtcdAction } from '../../src/engine/restore/types.ts';
import { makeCertificates } from '../../src/lab/kube-apiserver/certs.ts';
import { writeKubeconfig } from '../../src/lab/kube-apiserver/kubeconfig.ts';
import { DEFAULT_TOKENS, startApiServer } from '../../src/lab/kube-apiserver/server.ts';
import { stopGroup } from '../../src/lab/process.ts';
import { startEtcd } from '../../src/lab/services/etcd.ts';
import { restoreTestEnvironment } from './helpers.ts';

const env = restoreTestEnvironment(['kube-apiserver'], ['etcd']);

async function status(url: string): Promise<{ cluster: string; member: string; revision: number }> {
  const client = new Etcd3({ hosts: [url] });
  try {
    const s = await client.maintenance.status();
    return { cluster: s.header.cluster_id, member: s.header.member_id, revision: Number(s.header.revision) };
  } finally {
    client.close();
  }
}

describe('etcd restore', () => {
  it('restores the snapshot into a new data dir that the lab etcd and an API server run on', async () => {
    // Made after the backup: must not come back.
    await env.kube.request('POST', '/api/v1/namespaces/shop/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after-backup' }, data: { a: 'b' } });
    const original = await status(env.lab.services.etcd!.address);
    const dataDir = path.join(env.lab.dir, 'etcd-restored', 'data');
    const plan = await planRestore({
      repo: env.repo,
      snapshot: env.snapshot,
      target: env.target,
      scope: { sources: ['etcd'] },
      options: { etcdDataDir: dataDir, etcdName: 'lab', etcdBumpRevision: 500 },
    });
    expect(plan.actions).toHaveLength(1);
    const action = plan.actions[0] as EtcdAction;
    expect(action).toMatchObject({ verb: 'restore', dataDir, name: 'lab', initialCluster: 'lab=http://localhost:2380', bumpRevision: 500 });
    expect(action.steps.join('\n')).toMatch(/stop every kube-apiserver[\s\S]*mv /);
    const report = await runRestore({ repo: env.repo, snapshot: env.snapshot, plan, target: env.target });
    expect(report.items).toEqual([expect.objectContaining({ outcome: 'restored', reason: expect.stringMatching(/etcdctl 3\.4 \(no --bump-revision there\); revision moved on by 500 writes/) })]);
    expect(report.status).toBe('ok');
    expect(report.notes.join('\n')).toMatch(/to run the cluster on it/);
    expect(fs.existsSync(`${dataDir}.snapshot.db`)).toBe(true);

    // A second plan into the same folder refuses: it is not empty any more.
    const again = await planRestore({ repo: env.repo, snapshot: env.snapshot, target: env.target, scope: { sources: ['etcd'] }, options: { etcdDataDir: dataDir } });
    expect(again.actions[0]).toMatchObject({ verb: 'skip', reason: expect.stringMatching(/not empty/) });

    const etcd = await startEtcd({ dir: env.lab.dir, owner: process.pid, started: new Map(), kubeconfig: env.lab.kubeconfig }, { dataDir, name: 'etcd-restored' });
    const certs = makeCertificates(path.join(env.lab.dir, 'restored-pki'));
    const server = await startApiServer({ etcd: etcd.address, tls: { cert: fs.readFileSync(certs.cert), key: fs.readFileSync(certs.key) }, controllers: false });
    try {
      const restored = await status(etcd.address);
      expect(restored.cluster).not.toBe(original.cluster);
      expect(restored.member).not.toBe(original.member);
      // Moved past what the old cluster's watchers saw (a few writes happened since the backup).
      expect(restored.revision).toBeGreaterThan(original.revision);
      const kubeconfig = path.join(env.lab.dir, 'restored-kubeconfig');
      writeKubeconfig(kubeconfig, server.url, fs.readFileSync(certs.caCert, 'utf8'), DEFAULT_TOKENS.admin);
      const kubectl = (args: string[]) =>
        new Promise<{ code: number; stdout: string }>((resolve) =>
          execFile('kubectl', ['--kubeconfig', kubeconfig, ...args], { env: { ...process.env, HOME: env.lab.dir } }, (err, stdout) => resolve({ code: err ? 1 : 0, stdout })),
        );
      const deployments = await kubectl(['-n', 'shop', 'get', 'deployments', '-o', 'name']);
      expect(deployments.stdout.split('\n').filter(Boolean).sort()).toEqual(['deployment.apps/api', 'deployment.apps/frontend']);
      const cms = await kubectl(['-n', 'shop', 'get', 'configmaps', '-o', 'name']);
      expect(cms.stdout).toContain('configmap/api-config');
      expect(cms.stdout).not.toContain('after-backup');
      const rules = await kubectl(['-n', 'monitoring', 'get', 'alertrules', '-o', 'name']);
      expect(rules.stdout.split('\n').filter(Boolean)).toHaveLength(3);
    } finally {
      await server.close();
      await stopGroup(etcd.pid);
    }
  });
});
