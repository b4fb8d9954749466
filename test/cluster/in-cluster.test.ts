// lifeboat in a 3-node lab cluster: the image built into the lab's dockerd, `lifeboat install`
// (controller holding its Lease, an agent serving each node, as pods the lab's kubelets run),
// then `lifeboat uninstall` leaving nothing of lifeboat and the repository untouched.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifeboat, until } from '../lab/helpers.ts';
import { startLab, type Lab } from '../../src/lab/lab.ts';

const run = promisify(execFile);
const IMAGE = 'lifeboat:in-cluster-test';
let lab: Lab;
let env: NodeJS.ProcessEnv;
let repo: string;

async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await run('kubectl', args, { env: { ...process.env, KUBECONFIG: lab.kubeconfig }, maxBuffer: 16 << 20 });
  return stdout;
}
const json = async (...args: string[]) => JSON.parse(await kubectl(...args, '-o', 'json'));

beforeAll(async () => {
  lab = await startLab({ owner: process.pid, services: ['kube-apiserver', 'dockerd', 's3'], nodes: 3 });
  repo = `s3:${lab.services.s3!.address}/lifeboat/cluster`;
  const pwFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'in-cluster-')), 'password');
  fs.writeFileSync(pwFile, 'in-cluster password\n');
  env = { ...process.env, ...lab.env, LIFEBOAT_REPOSITORY: repo, LIFEBOAT_PASSWORD_FILE: pwFile, LIFEBOAT_PASSWORD: 'in-cluster password' };
  const built = await lifeboat(['image', 'build', '--tag', IMAGE], env);
  expect(built.stderr + built.stdout).toMatch(/built lifeboat:in-cluster-test/);
}, 900_000);

afterAll(async () => {
  await lab?.stop();
});

describe('lifeboat install', () => {
  it('--dry-run -o yaml prints every object, the Secret with a placeholder, and changes nothing', async () => {
    const r = await lifeboat(['install', '--dry-run', '-o', 'yaml', '--image', IMAGE], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const kinds = [...r.stdout.matchAll(/^kind: (\w+)$/gm)].map((m) => m[1]);
    expect(kinds).toEqual(['Namespace', 'CustomResourceDefinition', 'ServiceAccount', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'Secret', 'Deployment', 'DaemonSet']);
    expect(r.stdout).not.toContain('in-cluster password');
    expect(r.stdout).not.toContain('S3RVER');
    expect(r.stdout).toMatch(/LIFEBOAT_PASSWORD: '<hidden: /);
    const shown = await lifeboat(['install', '--dry-run', '-o', 'json', '--show-secrets'], env);
    const secret = JSON.parse(shown.stdout).items.find((o: any) => o.kind === 'Secret');
    expect(secret.stringData).toEqual({ LIFEBOAT_PASSWORD: 'in-cluster password', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' });
    expect((await json('get', 'namespaces')).items.map((n: any) => n.metadata.name)).not.toContain('lifeboat-system');
  });

  it('refuses a repository the pods cannot reach (a local folder), exit 2', async () => {
    const r = await lifeboat(['install', '-r', path.join(os.tmpdir(), 'somewhere')], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot reach: give an s3: repository/);
  });

  it('runs the controller (holding the Lease) and one agent per node as pods, with separate backup and restore identities', async () => {
    const r = await lifeboat(['install', '--image', IMAGE, '--timeout', '600'], env);
    expect(r.stderr).not.toMatch(/failed/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/controller lifeboat-controller-\S+ leads; agents on lab-node-1, lab-node-2, lab-node-3/);

    const pods = (await json('get', 'pods', '-n', 'lifeboat-system')).items;
    const agents = pods.filter((p: any) => p.metadata.labels['app.kubernetes.io/component'] === 'node-agent');
    expect(agents.map((p: any) => [p.spec.nodeName, p.status.phase]).sort()).toEqual([
      ['lab-node-1', 'Running'],
      ['lab-node-2', 'Running'],
      ['lab-node-3', 'Running'],
    ]);
    const controllers = pods.filter((p: any) => p.metadata.labels['app.kubernetes.io/component'] === 'controller');
    expect(controllers.map((p: any) => p.status.phase)).toEqual(['Running']);
    const lease = await json('get', 'lease', '-n', 'lifeboat-system', 'lifeboat-controller');
    expect(lease.spec.holderIdentity).toBe(controllers[0].metadata.name);
    for (const a of agents) {
      expect((await json('get', 'lease', '-n', 'lifeboat-system', `lifeboat-agent-${a.spec.nodeName}`)).spec.holderIdentity).toBe(a.metadata.name);
    }
    // The backup identity reads everything and changes nothing outside its namespace; restore writes.
    const can = async (sa: string, ...what: string[]) => (await kubectl('auth', 'can-i', '--as', `system:serviceaccount:lifeboat-system:${sa}`, ...what).catch((e) => e.stdout)).trim();
    expect(await can('lifeboat-backup', 'list', 'secrets', '-A')).toBe('yes');
    expect(await can('lifeboat-backup', 'delete', 'deployments', '-n', 'default')).toBe('no');
    expect(await can('lifeboat-restore', 'create', 'deployments', '-n', 'default')).toBe('yes');
    // The secret's values are in the cluster, not in what install printed.
    expect(r.stdout + r.stderr).not.toContain('in-cluster password');
  }, 900_000);

  it('a second controller waits: one coordinator, never two', async () => {
    await kubectl('scale', 'deployment', '-n', 'lifeboat-system', 'lifeboat-controller', '--replicas=2');
    try {
      await until('two controller pods running', async () => {
        const pods = (await json('get', 'pods', '-n', 'lifeboat-system', '-l', 'app.kubernetes.io/component=controller')).items;
        return pods.filter((p: any) => p.status.phase === 'Running').length === 2 && pods;
      }, 300_000);
      // Each serves /metrics on its own port only if they differ; here both share the host's
      // loopback, so the second cannot even bind: what counts is the lease has one holder.
      const lease = await json('get', 'lease', '-n', 'lifeboat-system', 'lifeboat-controller');
      expect(lease.spec.leaseTransitions ?? 0).toBe(0);
    } finally {
      await kubectl('scale', 'deployment', '-n', 'lifeboat-system', 'lifeboat-controller', '--replicas=1');
    }
  }, 600_000);

  it('uninstall removes all of lifeboat and leaves the repository as it was', async () => {
    const before = await lifeboat(['snapshots', '--json'], env);
    expect(before.code).toBe(0);
    const r = await lifeboat(['uninstall'], env);
    expect(r.stderr).not.toMatch(/failed/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/the repository is untouched/);
    const all = async (kind: string) => (await json('get', kind, '-A', '-l', 'app.kubernetes.io/part-of=lifeboat')).items.map((o: any) => o.metadata.name);
    for (const kind of ['clusterroles', 'clusterrolebindings', 'customresourcedefinitions', 'serviceaccounts', 'deployments', 'daemonsets', 'secrets', 'configmaps']) expect(await all(kind)).toEqual([]);
    expect((await json('get', 'namespaces')).items.map((n: any) => n.metadata.name)).not.toContain('lifeboat-system');
    await until('the pods to go', async () => (await json('get', 'pods', '-A')).items.every((p: any) => p.metadata.namespace !== 'lifeboat-system'));
    const after = await lifeboat(['snapshots', '--json'], env);
    expect(after.stdout).toBe(before.stdout);
    expect(after.code).toBe(0);
  }, 600_000);
});
