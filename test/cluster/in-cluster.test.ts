// lifeboat in a 3-node lab cluster: the image built into the lab's dockerd, `lifeboat install`
// (controller holding its Lease, an agent serving each node, as pods the lab's kubelets run),
// schedules whose runs are Jobs (run now, partial runs, the cron firing on its own), then
// `lifeboat uninstall` leaving nothing of lifeboat and the repository untouched.
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIFEBOAT, until } from '../lab/helpers.ts';
import { kubectlOn, lb as lifeboat } from './helpers.ts';
import { startLab, type Lab } from '../../src/lab/lab.ts';
import { openBackend, parseLocation } from '../../src/engine/repository/backend/location.ts';
import { Repository } from '../../src/engine/repository/repository.ts';
import { KubeClient } from '../../src/engine/kube/client.ts';
import React from 'react';
import { App } from '../../src/screens/App.tsx';
import { makeTheme } from '../../src/components/theme.ts';
import { scheduleServices } from '../../src/cli/schedule-services.ts';
import { renderApp, runCommand } from '../helpers/render.tsx';
import { labServices } from '../screens/fixtures.ts';
import { resolveKubeTarget } from '../../src/engine/kube/kubeconfig.ts';

const IMAGE = 'lifeboat:in-cluster-test';
let lab: Lab;
let env: NodeJS.ProcessEnv;
let repo: string;
let configFile: string;
let metricsPort: number;
let kubectl: (...args: string[]) => Promise<string>;
let json: (...args: string[]) => Promise<any>;

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

beforeAll(async () => {
  lab = await startLab({ owner: process.pid, services: ['kube-apiserver', 'dockerd', 's3', 'prometheus'], nodes: 3 });
  metricsPort = await closedPort();
  ({ kubectl, json } = kubectlOn(lab.kubeconfig));
  repo = `s3:${lab.services.s3!.address}/lifeboat/cluster`;
  // The sources the pods back up: the lab's etcd, and a database that does not answer (so a
  // schedule that includes databases ends partial).
  configFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'in-cluster-')), 'lifeboat.yaml');
  fs.writeFileSync(configFile, yaml.dump({ etcd: { endpoints: [lab.services.etcd!.address] }, databases: [{ name: 'gone', kind: 'postgresql', host: '127.0.0.1', port: await closedPort(), user: 'postgres', database: 'gone' }] }));
  const { LIFEBOAT_CONFIG: _c, ...labEnv } = lab.env;
  env = { ...process.env, ...labEnv, LIFEBOAT_CONFIG: configFile, LIFEBOAT_REPOSITORY: repo, LIFEBOAT_PASSWORD: 'in-cluster password' };
  const built = await lifeboat(['image', 'build', '--tag', IMAGE], env);
  expect(built.stderr + built.stdout).toMatch(/built lifeboat:in-cluster-test/);
}, 900_000);

afterAll(async () => {
  await lab?.stop();
}, 300_000);

describe('lifeboat install', () => {
  it('--dry-run -o yaml prints every object, the Secret with a placeholder, and changes nothing', async () => {
    const r = await lifeboat(['install', '--dry-run', '-o', 'yaml', '--image', IMAGE], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const kinds = [...r.stdout.matchAll(/^kind: (\w+)$/gm)].map((m) => m[1]);
    expect(kinds).toEqual(['Namespace', 'CustomResourceDefinition', 'ServiceAccount', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'Secret', 'Deployment', 'DaemonSet', 'CronJob']);
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
    const r = await lifeboat(['install', '--image', IMAGE, '--timeout', '600', '--metrics-port', String(metricsPort)], env);
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
    const client = new KubeClient(resolveKubeTarget({ env: { KUBECONFIG: lab.kubeconfig } })!.kubeConfig);
    const as = async (sa: string, ...args: string[]) => {
      const t = await client.request<any>('POST', `/api/v1/namespaces/lifeboat-system/serviceaccounts/${sa}/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 600 } });
      return kubectl('--token', t.status.token, ...args).then((out) => out, (e) => `${e.stdout}${e.stderr}`);
    };
    try {
      expect(await as('lifeboat-backup', 'get', 'secrets', '-A', '-o', 'name')).toContain('secret/lifeboat-repository');
      expect(await as('lifeboat-backup', 'delete', 'configmap', 'kube-root-ca.crt', '-n', 'default')).toMatch(/Forbidden/);
      expect(await as('lifeboat-restore', 'delete', 'configmap', 'no-such-thing', '-n', 'default')).toMatch(/NotFound/);
    } finally {
      client.close();
    }
    // The secret's values are in the cluster, not in what install printed.
    expect(r.stdout + r.stderr).not.toContain('in-cluster password');
  }, 900_000);

  it('a second controller waits for the lease and takes over only when it is given up: one coordinator, never two', async () => {
    const port = await closedPort();
    const log = path.join(lab.dir, 'second-controller.log');
    const fd = fs.openSync(log, 'w');
    const second = spawn(process.execPath, [LIFEBOAT, 'controller', '--metrics-port', String(port)], {
      env: { ...env, KUBECONFIG: lab.kubeconfig, POD_NAMESPACE: 'lifeboat-system', POD_NAME: 'second-controller' },
      stdio: ['ignore', fd, fd],
    });
    fs.closeSync(fd);
    try {
      const holder = (await json('get', 'lease', '-n', 'lifeboat-system', 'lifeboat-controller')).spec.holderIdentity;
      await until('the second controller to wait', async () => fs.readFileSync(log, 'utf8').includes(`second-controller waits: lease lifeboat-system/lifeboat-controller is held by ${holder}`));
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toMatch(/^lifeboat_controller_leader 0$/m);
      expect((await json('get', 'lease', '-n', 'lifeboat-system', 'lifeboat-controller')).spec.holderIdentity).toBe(holder);
      // The pod goes (SIGTERM: it gives the lease up); the second one leads.
      await kubectl('scale', 'deployment', '-n', 'lifeboat-system', 'lifeboat-controller', '--replicas=0');
      await until('the second controller to lead', async () => (await json('get', 'lease', '-n', 'lifeboat-system', 'lifeboat-controller')).spec.holderIdentity === 'second-controller', 300_000);
      expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).toMatch(/^lifeboat_controller_leader 1$/m);
    } finally {
      second.kill('SIGTERM');
      await new Promise((r) => second.once('exit', r));
      await kubectl('scale', 'deployment', '-n', 'lifeboat-system', 'lifeboat-controller', '--replicas=1');
    }
    await until('a controller pod to lead again', async () => /^lifeboat-controller-/.test((await json('get', 'lease', '-n', 'lifeboat-system', 'lifeboat-controller')).spec.holderIdentity ?? ''), 300_000);
  }, 900_000);
});

describe('lifeboat schedule', () => {
  it('refuses a bad cron or name with one line, exit 2', async () => {
    const r = await lifeboat(['schedule', 'create', 'x', '--cron', '61 * * * *'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/minute field "61" .* out of range: minute takes 0-59/);
    const n = await lifeboat(['schedule', 'create', 'Bad_Name', '--cron', '@daily'], env);
    expect(n.code).toBe(2);
    expect(n.stderr).toMatch(/schedule name 'Bad_Name' must be lower-case/);
  });

  it('create, then run now: a Job of the lifeboat image ends in one snapshot of the run', async () => {
    const c = await lifeboat(['schedule', 'create', 'nightly', '--cron', '0 2 * * *', '--only', 'kubernetes,etcd', '--keep-daily', '7', '--keep-weekly', '4'], env);
    expect(c.stderr).toBe('');
    expect(c.stdout).toMatch(/^schedule nightly \(0 2 \* \* \*\) saved in lifeboat-system; next run \d{4}-\d\d-\d\dT02:00:00Z$/m);
    const r = await lifeboat(['schedule', 'run', 'nightly', '--wait', '--json'], env);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ schedule: 'nightly', status: 'complete', exitCode: 0, manual: true });
    const job = await json('get', 'job', '-n', 'lifeboat-system', result.job);
    expect(job.spec.template.spec.containers[0].image).toBe(IMAGE);
    expect(job.spec.template.spec.serviceAccountName).toBe('lifeboat-backup');
    const snaps = JSON.parse((await lifeboat(['snapshots', '--json'], env)).stdout);
    expect(snaps).toHaveLength(1);
    expect(snaps[0].tags).toEqual(expect.arrayContaining(['schedule:nightly', 'complete', 'kubernetes', 'etcd']));
    const list = JSON.parse((await lifeboat(['schedule', 'list', '--json'], env)).stdout);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ name: 'nightly', cron: '0 2 * * *', keep: { daily: 7, weekly: 4 }, lastRun: { job: result.job, status: 'complete' }, lastSuccess: { job: result.job }, running: [] });
    expect(list[0].nextRun).toMatch(/T02:00:00.000Z$/);
  }, 900_000);

  it('a run where a source fails ends partial, exit 3, naming what failed; the snapshot says partial', async () => {
    await lifeboat(['schedule', 'create', 'withdb', '--cron', '0 3 * * *', '--only', 'kubernetes,databases'], env);
    const r = await lifeboat(['schedule', 'run', 'withdb', '--wait'], env);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^run lifeboat-withdb-manual-\S+ of withdb: partial: FAILED databases: \S/m);
    const text = (await lifeboat(['schedule', 'list'], env)).stdout;
    expect(text).toMatch(/^withdb\s+0 3 \* \* \*\s+lifeboat-withdb-manual-\S+\s+partial\s/m);
    const snaps = JSON.parse((await lifeboat(['snapshots', '--json'], env)).stdout);
    expect(snaps.find((s: any) => s.tags.includes('schedule:withdb')).tags).toContain('partial');
  }, 900_000);

  it('the :schedules screen shows each schedule\'s last run, its age and size, the next run, and r runs one now (keys from the registry)', async () => {
    const target = resolveKubeTarget({ env: { KUBECONFIG: lab.kubeconfig } })!;
    const services = { ...labServices().services, now: Date.now, schedules: scheduleServices(target) };
    const app = renderApp(React.createElement(App, { services, theme: makeTheme({ noColor: true }) }), { columns: 160, rows: 30 });
    try {
      await app.waitFor('inventory(all)');
      await runCommand(app, 'schedules');
      await app.waitFor('schedules[2] lifeboat-system', 60_000);
      const text = app.text();
      expect(text).toMatch(/SCHEDULE +CRON +LAST RUN +AGE +SIZE +NEXT RUN +WHY/);
      expect(text).toMatch(/^> +nightly +0 2 \* \* \* +✔ complete +\d+[smhd] ago +[\d.]+ (KiB|MiB) +in \d+[smhd] /m);
      expect(text).toMatch(/withdb +0 3 \* \* \* +! PARTIAL +\d+[smhd] ago +[\d.]+ (B|KiB|MiB) +in \d+[smhd] +FAILED databases: /);
      expect(text).toContain('r runs the schedule under the cursor now');
      app.press('r');
      await app.waitFor(/run lifeboat-nightly-manual-\S+ of nightly started/, 60_000);
      const job = /run (lifeboat-nightly-manual-\S+) of nightly started/.exec(app.text())![1]!;
      expect((await json('get', 'job', '-n', 'lifeboat-system', job)).metadata.labels['lifeboat.dev/schedule']).toBe('nightly');
      await app.waitFor(`nightly: ${job} running for`, 60_000);
      await until('the run to end', async () => (await json('get', 'job', '-n', 'lifeboat-system', job)).status.conditions?.length > 0, 600_000);
    } finally {
      app.unmount();
    }
  }, 900_000);

  it('fires on its own: a schedule every minute makes a run the CronJob controller starts', async () => {
    await lifeboat(['schedule', 'create', 'everyminute', '--cron', '* * * * *', '--only', 'kubernetes'], env);
    const done = await until('a scheduled (not manual) run to end', async () => {
      const s = JSON.parse((await lifeboat(['schedule', 'list', '--json'], env)).stdout).find((x: any) => x.name === 'everyminute');
      return s?.runs.find((r: any) => !r.manual && r.status !== 'running');
    }, 600_000);
    expect(done.status).toBe('complete');
    const del = await lifeboat(['schedule', 'delete', 'everyminute'], env);
    expect(del.code).toBe(0);
    expect(JSON.parse((await lifeboat(['schedule', 'list', '--json'], env)).stdout).map((x: any) => x.name)).toEqual(['nightly', 'withdb']);
    const again = await lifeboat(['schedule', 'delete', 'everyminute'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/no schedule 'everyminute' in lifeboat-system/);
  }, 900_000);
});

describe('retention and maintenance', () => {
  it('a maintenance run waits for a backup\'s lock, then keeps exactly what --keep-last says; restic check --read-data passes', async () => {
    await lifeboat(['schedule', 'create', 'kept', '--cron', '0 5 * * *', '--only', 'kubernetes', '--keep-last', '2'], env);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await lifeboat(['schedule', 'run', 'kept', '--wait', '--json'], env);
      expect(r.code).toBe(0);
      ids.push(JSON.parse(r.stdout).snapshot);
    }
    const before = JSON.parse((await lifeboat(['snapshots', '--json'], env)).stdout) as any[];
    const others = before.filter((s) => !s.tags.includes('schedule:kept')).map((s) => s.id).sort();
    expect(before.filter((s) => s.tags.includes('schedule:kept')).map((s) => s.id).sort()).toEqual([...ids].sort());

    // A backup's shared lock, held from here with lifeboat's repository code: maintenance waits.
    const repoHandle = await Repository.open(openBackend(parseLocation(repo, process.cwd()), env), 'in-cluster password');
    const held = await repoHandle.lock(false);
    let job = '';
    try {
      const started = await lifeboat(['maintenance', 'run', '--json'], env);
      expect(started.code).toBe(0);
      job = JSON.parse(started.stdout).job;
      await until('maintenance to wait for the lock', async () => (await kubectl('logs', '-n', 'lifeboat-system', `job/${job}`).catch(() => '')).includes(`forget: waiting: repository is locked: a lock ${held.id.slice(0, 8)}`), 300_000);
      expect((await json('get', 'job', '-n', 'lifeboat-system', job)).status.conditions ?? []).toEqual([]);
    } finally {
      await held.release();
      await repoHandle.close();
    }
    const ended = await until('maintenance to end', async () => {
      const conditions: any[] = (await json('get', 'job', '-n', 'lifeboat-system', job)).status.conditions ?? [];
      return conditions.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True')?.type as string | undefined;
    }, 600_000);
    if (ended !== 'Complete') throw new Error(`maintenance job ${job} failed:\n${await kubectl('logs', '-n', 'lifeboat-system', `job/${job}`).catch((e) => String(e))}`);
    const log = await kubectl('logs', '-n', 'lifeboat-system', `job/${job}`);
    expect(log).toMatch(/forget kept: kept 2, removed 1/);
    expect(log).toMatch(/check: \d+ snapshots, no errors/);

    const after = JSON.parse((await lifeboat(['snapshots', '--json'], env)).stdout) as any[];
    expect(after.filter((s) => s.tags.includes('schedule:kept')).map((s) => s.id).sort()).toEqual(ids.slice(1).sort());
    // Other schedules keep by their own policies (nightly's --keep-daily keeps one of its runs a
    // day): each loses exactly what its forget line says, and snapshots of no schedule stay.
    const scheduleOf = (s: any) => (s.tags as string[]).find((t) => t.startsWith('schedule:'))?.slice('schedule:'.length);
    const afterIds = new Set(after.map((s) => s.id));
    for (const s of before.filter((x) => !scheduleOf(x))) expect(afterIds.has(s.id), `snapshot ${s.id} of no schedule`).toBe(true);
    for (const name of new Set(before.map(scheduleOf).filter((n): n is string => !!n && n !== 'kept'))) {
      const had = before.filter((s) => scheduleOf(s) === name).map((s) => s.id);
      const removed = Number(new RegExp(`forget ${name}: kept \\d+, removed (\\d+)`).exec(log)?.[1] ?? 0);
      const has = after.filter((s) => scheduleOf(s) === name).map((s) => s.id);
      expect(has.every((id) => had.includes(id)), name).toBe(true);
      expect(has.length, `${name}: ${had.length} snapshots, forget removed ${removed}`).toBe(had.length - removed);
    }
    expect(after.filter((s) => !s.tags.includes('schedule:kept')).every((s) => others.includes(s.id))).toBe(true);

    // restic itself reads the S3 repository the pods wrote.
    const { stdout } = await promisify(execFile)('restic', ['-r', repo, 'check', '--read-data', '--no-cache'], { env: { ...env, RESTIC_PASSWORD: 'in-cluster password' }, maxBuffer: 16 << 20 });
    expect(stdout).toMatch(/no errors were found/);
    await lifeboat(['schedule', 'delete', 'kept'], env);
  }, 900_000);
});

describe('metrics and alerts', () => {
  const prom = () => lab.services.prometheus!.address;
  const query = async (q: string) => ((await (await fetch(`${prom()}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as any).data.result as any[];

  it("the lab's Prometheus scrapes the controller: last success per schedule, and the alert rules fire for a failed run and a schedule outside its RPO", async () => {
    const rules = await lifeboat(['alerts', '--rpo', '20s'], env);
    expect(rules.code).toBe(0);
    const rulesFile = path.join(lab.services.prometheus!.dir, 'lifeboat-rules.yml');
    fs.writeFileSync(rulesFile, rules.stdout);
    const config = lab.services.prometheus!.extra!.config as string;
    const doc = yaml.load(fs.readFileSync(config, 'utf8')) as any;
    doc.rule_files.push(rulesFile);
    doc.scrape_configs.push({ job_name: 'lifeboat', static_configs: [{ targets: [`127.0.0.1:${metricsPort}`] }] });
    fs.writeFileSync(config, yaml.dump(doc));
    expect((await fetch(`${prom()}/-/reload`, { method: 'POST' })).status).toBe(200);
    const groups = await until('the lifeboat rules evaluated', async () => {
      const g = ((await (await fetch(`${prom()}/api/v1/rules`)).json()) as any).data.groups;
      return g.find((x: any) => x.name === 'lifeboat')?.rules.every((r: any) => r.health !== 'unknown') && g;
    });
    expect(groups.find((g: any) => g.name === 'lifeboat').rules.map((r: any) => [r.name, r.health])).toEqual([
      ['LifeboatBackupOutsideRPO', 'ok'],
      ['LifeboatBackupFailed', 'ok'],
    ]);

    const list = JSON.parse((await lifeboat(['schedule', 'list', '--json'], env)).stdout);
    const nightly = list.find((s: any) => s.name === 'nightly');
    const success = await until('the last success of nightly in Prometheus', async () => (await query('lifeboat_schedule_last_success_timestamp_seconds{schedule="nightly"}'))[0]);
    expect(Number(success.value[1])).toBe(Date.parse(nightly.lastSuccess.completionTime) / 1000);
    const bytes = await query('lifeboat_schedule_last_run_bytes{schedule="nightly"}');
    expect(Number(bytes[0].value[1])).toBe(nightly.lastRun.bytes);
    expect(nightly.lastRun.bytes).toBeGreaterThan(0);
    expect(Number((await query('lifeboat_schedule_last_run_success{schedule="withdb"}'))[0].value[1])).toBe(0);

    const firing = async (name: string) => (await query(`ALERTS{alertname="${name}",alertstate="firing"}`)).map((r: any) => r.metric.schedule).sort();
    expect(await until('LifeboatBackupFailed to fire for withdb', async () => (await firing('LifeboatBackupFailed')).includes('withdb') && firing('LifeboatBackupFailed'))).toEqual(['withdb']);
    // withdb never succeeded and was made more than 20 s ago.
    await until('LifeboatBackupOutsideRPO to fire for withdb', async () => (await firing('LifeboatBackupOutsideRPO')).includes('withdb'));
    const rule = await lifeboat(['alerts', '-o', 'prometheusrule', '--rpo', '20s'], env);
    expect(yaml.load(rule.stdout)).toMatchObject({ apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', spec: yaml.load(rules.stdout) as object });
  }, 600_000);
});

describe('lifeboat uninstall', () => {
  it('uninstall removes all of lifeboat and leaves the repository as it was', async () => {
    const before = await lifeboat(['snapshots', '--json'], env);
    expect(before.code).toBe(0);
    expect(JSON.parse(before.stdout).length).toBeGreaterThanOrEqual(3);
    const r = await lifeboat(['uninstall'], env);
    expect(r.stderr).not.toMatch(/failed/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/the repository is untouched/);
    const all = async (kind: string) => (await json('get', kind, '-A', '-l', 'app.kubernetes.io/part-of=lifeboat')).items.map((o: any) => o.metadata.name);
    for (const kind of ['clusterroles', 'clusterrolebindings', 'customresourcedefinitions', 'serviceaccounts', 'deployments', 'daemonsets', 'secrets', 'configmaps', 'cronjobs', 'jobs', 'leases']) expect(await all(kind)).toEqual([]);
    expect((await json('get', 'namespaces')).items.map((n: any) => n.metadata.name)).not.toContain('lifeboat-system');
    await until('the pods and their containers to go', async () => (await json('get', 'pods', '-A')).items.every((p: any) => p.metadata.namespace !== 'lifeboat-system'));
    const after = await lifeboat(['snapshots', '--json'], env);
    expect(after.stdout).toBe(before.stdout);
    expect(after.code).toBe(0);
  }, 600_000);
});
