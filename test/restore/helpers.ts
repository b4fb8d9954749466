// One seeded lab per restore test file: the lab (only the services the file needs), seeded,
// backed up with runBackup into the lab's repository, and the clients a restore and its checks
// need (the restore target, kubectl, the repository and the snapshot).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { runBackup } from '../../src/engine/backup/backup.ts';
import { planBackup } from '../../src/engine/backup/plan.ts';
import type { LifeboatConfig } from '../../src/engine/config/schema.ts';
import { dockerClient } from '../../src/engine/environment/probe.ts';
import { KubeClient, type KubeObject } from '../../src/engine/kube/client.ts';
import { resolveKubeTarget } from '../../src/engine/kube/kubeconfig.ts';
import { openBackend } from '../../src/engine/repository/backend/location.ts';
import { Repository } from '../../src/engine/repository/repository.ts';
import type { SnapshotInfo } from '../../src/engine/repository/snapshot.ts';
import { cleanObject } from '../../src/engine/restore/cleanup.ts';
import { RESTORED_FROM_LABEL, type ObjectRef, type RestoreTarget } from '../../src/engine/restore/types.ts';
import type { SourceKind } from '../../src/engine/sources/types.ts';
import { labConfig, startLab, type Lab } from '../../src/lab/lab.ts';
import { seedKubernetes } from '../../src/lab/seed/kubernetes.ts';
import { seedServices } from '../../src/lab/seed/services.ts';

export interface RestoreEnv {
  lab: Lab;
  config: LifeboatConfig;
  repo: Repository;
  snapshot: SnapshotInfo;
  target: RestoreTarget;
  kube: KubeClient;
  kubectl(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }>;
  /** `kubectl get -o json` items. */
  get(resource: string, namespace?: string): Promise<KubeObject[]>;
  /** Polls until `check` returns something truthy. */
  until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs?: number): Promise<T>;
}

/** Starts the lab in beforeAll (seeded, backed up with `sources`), stops it in afterAll. */
export function restoreTestEnvironment(services: string[], sources: SourceKind[]): RestoreEnv {
  const env = {} as RestoreEnv;
  beforeAll(async () => {
    const lab = await startLab({ owner: process.pid, services });
    env.lab = lab;
    let registry: string | undefined;
    if (lab.services.dockerd && lab.services.registry) registry = (await seedServices(lab.services)).registry;
    await seedKubernetes(lab.kubeconfig, lab.dir, { registry });
    const config = labConfig(lab.state);
    env.config = config;
    const kubeTarget = resolveKubeTarget({ flag: lab.kubeconfig, env: {} })!;
    env.kube = new KubeClient(kubeTarget.kubeConfig);
    env.repo = await Repository.open(openBackend(config.repository!.url!), fs.readFileSync(config.repository!.passwordFile!, 'utf8').trim());
    const plan = await planBackup({ config, kube: kubeTarget, env: {}, only: sources });
    const report = await runBackup({ repo: env.repo, plan, version: 'test' });
    const failed = report.results.filter((r) => r.status !== 'ok');
    if (failed.length) throw new Error(`backup failed: ${failed.map((r) => `${r.id}: ${r.error}`).join('; ')}`);
    env.snapshot = await env.repo.findSnapshot(report.snapshot!);
    env.target = {
      kube: env.kube,
      kubeContext: kubeTarget.context,
      docker: config.docker?.host ? dockerClient(config.docker.host) : undefined,
      dockerHost: config.docker?.host,
      registries: config.registries,
      prometheus: config.prometheus,
      databases: config.databases,
    };
    env.kubectl = (args, input) =>
      new Promise((resolve) => {
        const child = execFile('kubectl', ['--kubeconfig', lab.kubeconfig, ...args], { env: { ...process.env, HOME: lab.dir, KUBECACHEDIR: `${lab.dir}/kubecache` }, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
        // kubectl may exit without reading its input (a refusal, or no -f -): not the test's error.
        child.stdin!.on('error', () => undefined);
        child.stdin!.end(input ?? '');
      });
    env.get = async (resource, namespace) => {
      const r = await env.kubectl(['get', resource, ...(namespace ? ['-n', namespace] : []), '-o', 'json']);
      if (r.code !== 0) throw new Error(`kubectl get ${resource}: ${r.stderr}`);
      return (JSON.parse(r.stdout) as { items: KubeObject[] }).items;
    };
    env.until = async (what, check, timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const v = await check();
        if (v) return v as never;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };
  });
  afterAll(async () => {
    env.kube?.close();
    await env.repo?.close();
    await env.lab?.stop();
  });
  return env;
}

/** An object as the comparison sees it: cleaned as the planner cleans, without the restored-from label. */
export function comparable(ref: ObjectRef, obj: KubeObject): KubeObject {
  const o = cleanObject(ref, obj, { mappings: { namespaces: {}, storageClasses: {}, registries: {} }, snapshot: 'x' }).object;
  delete o.metadata.labels![RESTORED_FROM_LABEL];
  if (!Object.keys(o.metadata.labels!).length) delete o.metadata.labels;
  return o;
}

/** Deletes namespaces and waits until they are gone (their objects with them). */
export async function deleteNamespaces(env: RestoreEnv, names: string[]): Promise<void> {
  const r = await env.kubectl(['delete', 'namespace', ...names, '--wait=false']);
  if (r.code !== 0) throw new Error(r.stderr);
  await env.until(`namespaces ${names.join(', ')} to be gone`, async () => {
    const left = (await env.get('namespaces')).filter((n) => names.includes(n.metadata.name));
    return left.length === 0;
  }, 60_000);
}
