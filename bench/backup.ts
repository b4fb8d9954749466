// Benchmark: lifeboat's Kubernetes-objects job against `kubectl get -o yaml` of the same kinds,
// over a cluster of 20,000 objects, and lifeboat's etcd job against `etcdctl snapshot save` plus
// `restic backup` of that file, on the same lab in the same run. Prints each time, the ratio of
// lifeboat's time to the reference's, and the goal.
//
//   node bin/run-ts.js bench/backup.ts [--objects 20000]
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../src/engine/kube/client.ts';
import { discoverResources, resourceName } from '../src/engine/kube/discovery.ts';
import { runJobs } from '../src/engine/jobs/runner.ts';
import { Repository } from '../src/engine/repository/repository.ts';
import { LocalBackend } from '../src/engine/repository/backend/local.ts';
import { openSnapshotSink } from '../src/engine/sources/repository-sink.ts';
import { kubernetesSource } from '../src/engine/sources/kubernetes/backup.ts';
import { etcdSource } from '../src/engine/sources/etcd/backup.ts';
import type { BackupSource } from '../src/engine/sources/types.ts';
import { startLab } from '../src/lab/lab.ts';

const run = promisify(execFile);
const args = process.argv.slice(2);
const objects = Number(args[args.indexOf('--objects') + 1] || 20000) || 20000;

async function fill(client: KubeClient, n: number): Promise<void> {
  const namespaces = 20;
  for (let i = 0; i < namespaces; i++) {
    await client.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `bench-${i}` } }).catch(() => undefined);
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < n) {
        const i = next++;
        const ns = `bench-${i % namespaces}`;
        const data = Object.fromEntries(Array.from({ length: 8 }, (_, k) => [`key${k}`, `value ${i}-${k} `.repeat(6)]));
        await client.request('POST', `/api/v1/namespaces/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, labels: { app: `app-${i % 50}` } }, data });
      }
    }),
  );
}

async function timeJob(repo: Repository, source: BackupSource): Promise<{ seconds: number; items: number; bytes: number }> {
  const { writer, sink } = await openSnapshotSink(repo);
  const t0 = performance.now();
  const [result] = await runJobs([{ id: source.kind, title: source.title, run: (ctx) => source.run(ctx, sink) }]);
  const seconds = (performance.now() - t0) / 1000;
  if (result!.status !== 'ok') throw new Error(`${source.kind} failed: ${result!.error}`);
  await writer.commit({ tags: ['bench'] });
  return { seconds, items: result!.counts.itemsDone, bytes: result!.counts.bytesDone };
}

async function timeCommand(cmd: string, argv: string[], env: NodeJS.ProcessEnv = {}): Promise<number> {
  const t0 = performance.now();
  await run(cmd, argv, { env: { ...process.env, ...env }, maxBuffer: 1024 * 1024 * 1024 });
  return (performance.now() - t0) / 1000;
}

const lab = await startLab({ owner: process.pid, services: ['etcd', 'kube-apiserver'] });
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-bench-backup-'));
try {
  const kc = new KubeConfig();
  kc.loadFromFile(lab.kubeconfig);
  const client = new KubeClient(kc);
  process.stderr.write(`creating ${objects} ConfigMaps...\n`);
  await fill(client, objects);
  const repo = await Repository.init(new LocalBackend(path.join(work, 'repo')), 'bench');

  // The same kinds kubectl is asked for: every listable resource lifeboat lists.
  const kinds = (await discoverResources(client)).filter((r) => r.verbs.includes('list')).map(resourceName);
  const kube = await timeJob(repo, kubernetesSource({ client, includeGenerated: true }));
  const kubectlSeconds = await timeCommand('kubectl', ['--kubeconfig', lab.kubeconfig, 'get', kinds.join(','), '-A', '-o', 'yaml', '--chunk-size=500'], {
    HOME: work,
  });

  const etcdEndpoint = lab.services.etcd!.address;
  const etcd = await timeJob(repo, etcdSource({ endpoints: [etcdEndpoint] }));
  const etcdctlSeconds = await timeCommand('etcdctl', ['--endpoints', etcdEndpoint, 'snapshot', 'save', path.join(work, 'snap.db')], { ETCDCTL_API: '3' });
  // The reference for the etcd job is what a user would do by hand: save a snapshot, then back
  // the file up with restic.
  const renv = { RESTIC_PASSWORD: 'bench' };
  await timeCommand('restic', ['init', '-q', '--repository-version', '2', '-r', path.join(work, 'restic-repo')], renv);
  const resticSeconds = await timeCommand('restic', ['--no-cache', '-r', path.join(work, 'restic-repo'), 'backup', '-q', path.join(work, 'snap.db')], renv);
  client.close();

  const row = (name: string, what: string, ours: number, theirs: number, ref: string, goal: number) =>
    `| ${name} | ${what} | ${ours.toFixed(2)} s | ${ref} ${theirs.toFixed(2)} s | ${(ours / theirs).toFixed(2)}x | <= ${goal}x | ${ours / theirs <= goal ? 'met' : 'NOT met'} |`;
  console.log(`| job | work | lifeboat | reference | ratio (lifeboat / reference time) | goal | verdict |`);
  console.log(`| --- | --- | --- | --- | --- | --- | --- |`);
  console.log(row('Kubernetes objects', `${kube.items} objects, ${kinds.length} kinds, into the repository`, kube.seconds, kubectlSeconds, '`kubectl get -o yaml`', 0.5));
  console.log(row('etcd', `${(etcd.bytes / 1024 / 1024).toFixed(1)} MiB snapshot, into the repository`, etcd.seconds, etcdctlSeconds + resticSeconds, `\`etcdctl snapshot save\` ${etcdctlSeconds.toFixed(2)} s + \`restic backup\` of the file ${resticSeconds.toFixed(2)} s =`, 1.1));
  await repo.close();
} finally {
  await lab.stop();
  fs.rmSync(work, { recursive: true, force: true });
}
