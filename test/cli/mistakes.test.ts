// A mistake never passes as success: against a seeded lab, every way a user can name something
// that is not there, or give a value that cannot be read, is one line and exit 2 (with a "did
// you mean" when a name is close), nothing is written, and the snapshot count does not move.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifeboat } from '../helpers/cli.ts';
import { restoreTestEnvironment } from '../restore/helpers.ts';

const env = restoreTestEnvironment(['kube-apiserver'], ['kubernetes']);
let tmp: string;
const oneLine = (s: string) => s.trim().split('\n').at(-1)!;
const run = (args: string[], extra: NodeJS.ProcessEnv = {}) => lifeboat(args, { env: { LIFEBOAT_CONFIG: env.lab.configFile, ...extra }, cwd: tmp });
const snapshotCount = async () => (await env.repo.listSnapshots()).length;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-mistakes-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('mistakes in what a backup is asked for', () => {
  it('an unknown resource, a misspelt one, an unknown namespace and an unreadable selector are exit 2, and write no snapshot', async () => {
    const before = await snapshotCount();
    const cases: [string[], RegExp][] = [
      [['--resource', 'nosuchthing'], /the cluster serves no resource 'nosuchthing'$/],
      [['--resource', 'deploymnets'], /no resource 'deploymnets': did you mean 'deployments(\.apps)?'\?/],
      [['--exclude-resource', 'confgmaps'], /no resource 'confgmaps': did you mean 'configmaps'\?/],
      [['-n', 'nosuchns'], /namespace 'nosuchns' does not exist in the cluster$/],
      [['-n', 'shpo'], /namespace 'shpo' does not exist in the cluster: did you mean 'shop'\?/],
      [['-l', 'a==b==c'], /cannot read the label selector 'a==b==c' at 'a==b==c'/],
    ];
    for (const [args, message] of cases) {
      const r = await run(['backup', '--only', 'kubernetes', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(oneLine(r.stderr), args.join(' ')).toMatch(message);
      expect(r.stdout, args.join(' ')).not.toMatch(/snapshot .* saved/);
    }
    expect(await snapshotCount()).toBe(before);
    // kubectl's other spellings of a resource are taken.
    const ok = await run(['backup', '--only', 'kubernetes', '--resource', 'deploy,ConfigMap,services.v1.', '-n', 'shop']);
    expect(ok.stderr).not.toMatch(/warning|error|failed/i);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^OK +kubernetes +[1-9]\d* items/m);
  });

  it('a backup that captures nothing (the cluster is gone) writes no snapshot and exits 1', async () => {
    const kubeconfig = path.join(tmp, 'dead-kubeconfig');
    fs.writeFileSync(
      kubeconfig,
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:9", insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: dead, context: {cluster: c, user: u}}]\ncurrent-context: dead\n',
    );
    const before = await snapshotCount();
    const r = await run(['backup', '--only', 'kubernetes', '--kubeconfig', kubeconfig]);
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toMatch(/backup failed: no job captured anything, so no snapshot was written \(kubernetes: .*ECONNREFUSED/);
    expect(await snapshotCount()).toBe(before);
  });
});

describe('mistakes in what a restore is asked for', () => {
  it('a kind or namespace the snapshot does not hold is exit 2 with a suggestion, and the dry run prints no plan', async () => {
    const cases: [string[], RegExp][] = [
      [['--kind', 'Deploymnt'], /snapshot [0-9a-f]{8} holds no object of kind 'Deploymnt': did you mean 'Deployment'\?/],
      [['-n', 'shpo'], /snapshot [0-9a-f]{8} holds nothing of namespace 'shpo': did you mean 'shop'\?/],
      [['--name', 'no-such-object'], /nothing in snapshot [0-9a-f]{8} matches names no-such-object/],
      [['-l', 'app in (a'], /cannot read the label selector/],
      [['--etcd-bump-revision', 'lots'], /--etcd-bump-revision takes a whole number \(0 or more\), not 'lots'/],
    ];
    for (const [args, message] of cases) {
      const r = await run(['restore', 'latest', '--dry-run', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(oneLine(r.stderr), args.join(' ')).toMatch(message);
      expect(r.stdout, args.join(' ')).not.toMatch(/restore plan/);
    }
    const unknown = await run(['restore', 'deadbeef', '--dry-run']);
    expect(unknown.code).toBe(2);
    expect(oneLine(unknown.stderr)).toMatch(/no snapshot deadbeef/);
  });

  it('latest is the newest lifeboat backup, not a newer path snapshot in the same repository', async () => {
    const folder = path.join(tmp, 'some-folder');
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, 'f.txt'), 'not an environment\n');
    const pathBackup = await run(['repo', 'backup-path', folder]);
    expect(pathBackup.code).toBe(0);
    const newest = (await env.repo.listSnapshots())[0]!;
    expect(newest.tags ?? []).not.toContain('lifeboat');
    const newestBackup = (await env.repo.listSnapshots()).find((s) => s.tags?.includes('lifeboat'))!;
    const plan = await run(['restore', 'latest', '--dry-run', '--json']);
    expect(plan.code).toBe(0);
    const json = JSON.parse(plan.stdout);
    expect(json.snapshot.id).toBe(newestBackup.id);
    expect(json.actions.filter((a: { source: string }) => a.source === 'objects').length).toBeGreaterThan(0);
  });

  it('the report names every object it created, not only the skipped and failed ones', async () => {
    const del = await env.kubectl(['delete', 'configmap', 'api-config', '-n', 'shop']);
    expect(del.code, del.stderr).toBe(0);
    const r = await run(['restore', 'latest', '-n', 'shop', '--kind', 'ConfigMap']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^CREATED +ConfigMap shop\/api-config/m);
    expect(r.stdout).toMatch(/^SKIPPED +ConfigMap shop\/\S+: exists/m);
    expect(r.stdout.indexOf('CREATED')).toBeLessThan(r.stdout.indexOf('SKIPPED'));
  });
});

describe('configuration mistakes', () => {
  it('a missing config, password file or context, S3 without credentials or unreachable, and a bad number each name the thing and the fix', async () => {
    const missingConfig = await lifeboat(['info'], { env: { LIFEBOAT_CONFIG: path.join(tmp, 'nope.yaml') }, cwd: tmp });
    expect(missingConfig.code).toBe(2);
    expect(oneLine(missingConfig.stderr)).toMatch(/config file .*nope\.yaml \(named by LIFEBOAT_CONFIG\) does not exist/);

    const noPassword = await run(['snapshots', '--password-file', path.join(tmp, 'no-password')]);
    expect(noPassword.code).toBe(2);
    expect(oneLine(noPassword.stderr)).toMatch(/the password file .*no-password \(from --password-file\) does not exist: check the path, or set LIFEBOAT_PASSWORD/);

    const context = await run(['info', '--context', 'nosuch']);
    expect(context.code).toBe(2);
    expect(oneLine(context.stderr)).toMatch(/context 'nosuch' is not in .*: use --context with one of lab/);

    const s3 = ['snapshots', '-r', 's3:http://127.0.0.1:9/bucket/prefix'];
    const noCredentials = await run(s3, { LIFEBOAT_PASSWORD: 'x', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', HOME: tmp });
    expect(noCredentials.code).toBe(2);
    expect(oneLine(noCredentials.stderr)).toMatch(/the S3 repository s3:http:\/\/127\.0\.0\.1:9\/bucket\/prefix needs credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
    const unreachable = await run(s3, { LIFEBOAT_PASSWORD: 'x', AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's' });
    expect(unreachable.code).toBe(1);
    expect(oneLine(unreachable.stderr)).toMatch(/cannot reach S3 at http:\/\/127\.0\.0\.1:9 for s3:.* \(ECONNREFUSED\): check the address and that the server runs/);

    const timeout = await run(['info', '--timeout', 'abc']);
    expect(timeout.code).toBe(2);
    expect(oneLine(timeout.stderr)).toBe("lifeboat: --timeout takes a number of at least 0.1, not 'abc'");
  });

  it('forget says that its policy applies per group of host and paths, and --group-by changes the groups', async () => {
    const repo = ['-r', path.join(tmp, 'forget-repo'), '--password-file', path.join(tmp, 'forget-password')];
    fs.writeFileSync(path.join(tmp, 'forget-password'), 'pw\n');
    expect((await run(['repo', 'init', ...repo])).code).toBe(0);
    for (const name of ['a', 'b']) {
      const dir = path.join(tmp, `forget-${name}`);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'f'), name);
      for (let i = 0; i < 2; i++) expect((await run(['repo', 'backup-path', dir, ...repo])).code).toBe(0);
    }
    const grouped = await run(['repo', 'forget', '--keep-last', '1', '--dry-run', ...repo]);
    expect(grouped.code).toBe(0);
    expect(grouped.stdout).toMatch(/^keep 2 snapshots, would remove 2 \(grouped by host and paths: 2 groups, the policy applies to each\)/m);
    expect(grouped.stdout).toMatch(/group host \S+, paths .*forget-a: keep 1, would remove 1/);
    const one = await run(['repo', 'forget', '--keep-last', '1', '--group-by', '', '--dry-run', ...repo]);
    expect(one.stdout).toMatch(/^keep 1 snapshots, would remove 3 \(all in one group: 1 group, the policy applies to each\)/m);
    const bad = await run(['repo', 'forget', '--keep-last', '1', '--group-by', 'colour', ...repo]);
    expect(bad.code).toBe(2);
    expect(oneLine(bad.stderr)).toMatch(/--group-by takes host, paths and tags .*not 'colour'/);
  });
});
