// The seeded lab with its kubelet: the seeded workloads run as containers on lab-node-1, and
// what they write shows up where lifeboat looks (Docker's diff, the PV folder).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../../src/lab/lab.ts';
import { processesNaming } from '../../src/lab/process.ts';
import { seedKubernetes } from '../../src/lab/seed/kubernetes.ts';
import { seedServices } from '../../src/lab/seed/services.ts';
import { lifeboat, until } from './helpers.ts';

const run = promisify(execFile);
let lab: Lab;

const kubectl = async (...args: string[]) => (await run('kubectl', args, { env: { ...process.env, KUBECONFIG: lab.kubeconfig }, maxBuffer: 16 << 20 })).stdout;


beforeAll(async () => {
  lab = await startLab({ owner: process.pid, services: ['kube-apiserver', 'dockerd', 'registry'], nodes: 1 });
  const seeded = await seedServices(lab.services);
  await seedKubernetes(lab.kubeconfig, lab.dir, { registry: seeded.registry });
}, 180_000);

afterAll(async () => {
  if (!lab) return;
  const dir = lab.dir;
  const report = await lab.stop();
  // Nothing had to be killed after the services stopped: no container, no process, no port.
  expect(report.stragglers).toEqual([]);
  expect(report.openPorts).toEqual([]);
  expect(processesNaming(dir)).toEqual([]);
});

describe('the seeded lab with a kubelet', () => {
  it('runs the seeded pods: kubectl get pods -o wide shows them Running and ready on lab-node-1', async () => {
    const rows = await until('every seeded pod Running', async () => {
      const lines = (await kubectl('get', 'pods', '-n', 'shop', '-o', 'wide', '--no-headers')).trim().split('\n');
      return lines.length === 6 && lines.every((l) => /^\S+\s+1\/1\s+Running\s+0\s+\S+\s+127\.0\.0\.1\s+lab-node-1\s/.test(l)) && lines;
    });
    expect(rows.map((l) => l.split(/\s+/)[0]!.replace(/-[a-z0-9]+-[a-z0-9]+$/, '')).sort()).toEqual(['api', 'api', 'debug-shell', 'frontend', 'frontend', 'postgres-0']);
  });

  it('answers kubectl logs and kubectl exec with the output and the exit code', async () => {
    expect(await kubectl('logs', '-n', 'shop', 'postgres-0')).toBe('database system is ready to accept connections\n');
    expect(await kubectl('logs', '-n', 'shop', 'deployment/api')).toBe('shop-api ready (LOG_LEVEL=info)\n');
    const failed = await run('kubectl', ['exec', '-n', 'shop', 'debug-shell', '--', 'sh', '-c', 'echo hi; exit 3'], { env: { ...process.env, KUBECONFIG: lab.kubeconfig } }).catch((e) => e);
    expect(failed.stdout).toBe('hi\n');
    expect(failed.code).toBe(3);
  });

  it('completes a Job made from the seeded CronJob', async () => {
    await kubectl('create', 'job', '--from=cronjob/nightly-report', 'report-now', '-n', 'shop');
    await until('the Job to complete', async () => JSON.parse(await kubectl('get', 'job', 'report-now', '-n', 'shop', '-o', 'json')).status?.succeeded === 1);
    expect(await kubectl('logs', '-n', 'shop', 'job/report-now')).toBe('nightly report --since 24h: done\n');
  });

  it('has lifeboat flag the API container\'s writable layer (Docker\'s diff) and list the PV the database writes into', async () => {
    const claim = JSON.parse(await kubectl('get', 'pvc', 'data-postgres-0', '-n', 'shop', '-o', 'json'));
    const pv = JSON.parse(await kubectl('get', 'pv', claim.spec.volumeName, '-o', 'json'));
    const wal = path.join(pv.spec.hostPath.path, 'pg_wal', '000000010000000000000001');
    await until('the WAL file', async () => fs.existsSync(wal));
    expect(fs.readFileSync(wal, 'utf8')).toMatch(/^checkpoint \d{4}-\d\d-\d\dT/);

    const inventory = await lifeboat(['inventory', '--json', '--config', lab.configFile]);
    expect(inventory.code).toBe(0);
    const items = JSON.parse(inventory.stdout).items as { kind: string; name: string; verdict: string; reason: string }[];
    const apiContainers = items.filter((i) => i.kind === 'Container' && i.name.startsWith('k8s_api_api-'));
    expect(apiContainers).toHaveLength(2);
    for (const c of apiContainers) {
      expect(c.verdict).toBe('at-risk');
      expect(c.reason).toContain('/var/cache/shop-api/sessions.db');
    }
    const frontend = items.filter((i) => i.kind === 'Container' && i.name.startsWith('k8s_frontend_'));
    expect(frontend.map((i) => i.verdict)).toEqual(['skippable', 'skippable']);
    const postgres = items.find((i) => i.kind === 'Container' && i.name.startsWith('k8s_postgres_postgres-0_'));
    expect(postgres?.verdict).toBe('skippable'); // its writes are in the claimed volume, not its layer
    expect(items.find((i) => i.kind === 'PV data' && i.name === pv.metadata.name)).toBeDefined();
  });

  it('backs up the files the database pod wrote into its claim: the inventory counts the PV covered, and the real restic lists and restores them', async () => {
    const claim = JSON.parse(await kubectl('get', 'pvc', 'data-postgres-0', '-n', 'shop', '-o', 'json'));
    const pvName = claim.spec.volumeName;
    const folder = JSON.parse(await kubectl('get', 'pv', pvName, '-o', 'json')).spec.hostPath.path;
    const wal = path.join(folder, 'pg_wal', '000000010000000000000001');
    await until('the WAL file', async () => fs.existsSync(wal));
    const written = fs.readFileSync(wal, 'utf8');

    const before = JSON.parse((await lifeboat(['inventory', '--json', '--config', lab.configFile])).stdout).items as any[];
    const item = before.find((i) => i.kind === 'PV data' && i.name === pvName);
    expect(item.covered).toBeUndefined();
    const backup = await lifeboat(['backup', '--only', 'volumes', '--item', item.id, '--json', '--config', lab.configFile]);
    expect(backup.code).toBe(0);
    const summary = JSON.parse(backup.stdout.trim().split('\n').at(-1)!);
    const after = JSON.parse((await lifeboat(['inventory', '--json', '--config', lab.configFile])).stdout).items as any[];
    const covered = after.find((i) => i.id === item.id);
    expect(covered.covered?.snapshot).toBeDefined();
    expect(covered.verdict).toBe('needs-backup'); // no longer at risk: a backup holds it
    expect(summary.snapshot ?? summary.id).toContain(covered.covered.snapshot.slice(0, 8));
    // A backup does not take the writable layer's risk away.
    expect(after.filter((i) => i.kind === 'Container' && i.name.startsWith('k8s_api_api-')).map((i) => i.verdict)).toEqual(['at-risk', 'at-risk']);

    const restic = (...args: string[]) => run('restic', ['--no-cache', '-r', path.join(lab.dir, 'repository'), '--password-file', path.join(lab.dir, 'repository-password'), ...args], { maxBuffer: 16 << 20 });
    const listed = (await restic('ls', covered.covered.snapshot)).stdout.split('\n');
    const walPath = listed.find((l) => l.endsWith('/pg_wal/000000010000000000000001'));
    expect(walPath).toBeDefined();
    const target = fs.mkdtempSync(path.join(lab.dir, 'restored-'));
    await restic('restore', covered.covered.snapshot, '--target', target, '--include', walPath!);
    expect(fs.readFileSync(path.join(target, walPath!), 'utf8')).toBe(written);
  });
});
