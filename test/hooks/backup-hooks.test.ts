// Backup hooks against the lab: annotations on the seeded PostgreSQL pod (on lab-node-1, run by the
// lab's kubelet) make lifeboat exec commands in it before and after its volume is copied.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifest } from '../../src/engine/backup/manifest-read.ts';
import { openBackend } from '../../src/engine/repository/backend/location.ts';
import { findPath, readFile } from '../../src/engine/repository/reader.ts';
import { Repository } from '../../src/engine/repository/repository.ts';
import { startLab, type Lab } from '../../src/lab/lab.ts';
import { seedKubernetes } from '../../src/lab/seed/kubernetes.ts';
import { seedServices } from '../../src/lab/seed/services.ts';
import { lifeboat } from '../helpers/cli.ts';
import { until } from '../lab/helpers.ts';

const run = promisify(execFile);
let lab: Lab;
let pvName: string;
let pvDir: string;

const kubectl = async (...args: string[]) => (await run('kubectl', args, { env: { ...process.env, KUBECONFIG: lab.kubeconfig }, maxBuffer: 16 << 20 })).stdout;

async function annotate(hooks: Record<string, string | null>): Promise<void> {
  await kubectl('annotate', '--overwrite', 'pod', '-n', 'shop', 'postgres-0', ...Object.entries(hooks).map(([k, v]) => (v === null ? `lifeboat.dev/${k}-` : `lifeboat.dev/${k}=${v}`)));
}

async function latest() {
  const repo = await Repository.open(openBackend(path.join(lab.dir, 'repository')), fs.readFileSync(path.join(lab.dir, 'repository-password'), 'utf8').trim());
  await repo.loadIndex();
  const snap = (await repo.listSnapshots()).sort((a, b) => Date.parse(b.time) - Date.parse(a.time))[0]!;
  return { repo, snap, manifest: (await readManifest(repo, snap))! };
}

beforeAll(async () => {
  lab = await startLab({ owner: process.pid, services: ['kube-apiserver', 'dockerd', 'registry'], nodes: 1 });
  const seeded = await seedServices(lab.services);
  await seedKubernetes(lab.kubeconfig, lab.dir, { registry: seeded.registry });
  await until('postgres-0 Running', async () => JSON.parse(await kubectl('get', 'pod', '-n', 'shop', 'postgres-0', '-o', 'json')).status?.phase === 'Running');
  const claim = JSON.parse(await kubectl('get', 'pvc', 'data-postgres-0', '-n', 'shop', '-o', 'json'));
  pvName = claim.spec.volumeName;
  pvDir = JSON.parse(await kubectl('get', 'pv', pvName, '-o', 'json')).spec.hostPath.path;
}, 240_000);

afterAll(async () => {
  await lab?.stop();
});

describe('backup hooks of the pods that own a volume', () => {
  it('runs pre-backup before the copy and post-backup after it, with their output in the manifest', async () => {
    await annotate({
      'pre-backup': 'echo flushing; echo flushed > /var/lib/postgresql/data/FLUSHED',
      'pre-backup-container': 'postgres',
      'post-backup': '["sh", "-c", "rm /var/lib/postgresql/data/FLUSHED; echo thawed"]',
    });
    const dry = await lifeboat(['backup', '--only', 'volumes', '--dry-run'], { env: { LIFEBOAT_CONFIG: lab.configFile } });
    expect(dry.code, dry.stdout + dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`PersistentVolume ${pvName} (claim shop/data-postgres-0): pre-backup hook in pod shop/postgres-0 (container postgres): echo flushing; echo flushed > /var/lib/postgresql/data/FLUSHED (timeout 30 s, on error fail)`);
    expect(dry.stdout).toContain('post-backup hook in pod shop/postgres-0 (container postgres): rm /var/lib/postgresql/data/FLUSHED; echo thawed (timeout 30 s, on error fail)');
    expect(fs.existsSync(path.join(pvDir, 'FLUSHED'))).toBe(false); // a dry run runs nothing
    const r = await lifeboat(['backup', '--only', 'volumes'], { env: { LIFEBOAT_CONFIG: lab.configFile } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const { repo, snap, manifest } = await latest();
    try {
      // The copy holds what the pre-backup hook wrote; the post-backup hook removed it afterwards.
      const { node } = await findPath(repo, snap, `/volumes/pv/${pvName}/FLUSHED`);
      let text = '';
      for await (const b of readFile(repo, node)) text += b.toString();
      expect(text).toBe('flushed\n');
      expect(fs.existsSync(path.join(pvDir, 'FLUSHED'))).toBe(false);
      const hooks = String(manifest.captured.find((c) => c.id === `volume:pv/${pvName}`)?.details?.hooks);
      expect(hooks).toContain('pre-backup hook in pod shop/postgres-0 (container postgres): echo flushing; echo flushed > /var/lib/postgresql/data/FLUSHED: ok; output: flushing');
      expect(hooks).toContain('post-backup hook in pod shop/postgres-0 (container postgres): rm /var/lib/postgresql/data/FLUSHED; echo thawed: ok; output: thawed');
    } finally {
      await repo.close();
    }
  });

  it('a failing pre-backup hook with on-error fail stops that volume\'s copy: the snapshot is partial and names the hook and its output', async () => {
    await annotate({ 'pre-backup': 'echo cannot flush >&2; exit 7', 'pre-backup-container': null, 'post-backup': null, 'pre-backup-on-error': 'fail' });
    const r = await lifeboat(['backup', '--only', 'volumes'], { env: { LIFEBOAT_CONFIG: lab.configFile } });
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stdout).toMatch(/^FAILED volumes .*not copied: pre-backup hook in pod shop\/postgres-0 \(container postgres\): echo cannot flush >&2; exit 7: failed \(exit code 7\); output: cannot flush/m);
    expect(r.stdout).toMatch(/snapshot \w+ saved \(partial\)/);
    const { repo, manifest } = await latest();
    await repo.close();
    expect(manifest.status).toBe('partial');
    expect(manifest.captured.some((c) => c.id === `volume:pv/${pvName}`)).toBe(false);
    // The Docker volumes were copied all the same.
    expect(manifest.captured.some((c) => c.id.startsWith('volume:docker/'))).toBe(true);
  });

  it('with on-error continue the failure is a warning and the volume is copied', async () => {
    await annotate({ 'pre-backup-on-error': 'continue' });
    const r = await lifeboat(['backup', '--only', 'volumes'], { env: { LIFEBOAT_CONFIG: lab.configFile } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: volumes: claim shop\/data-postgres-0: pre-backup hook .*failed \(exit code 7\); output: cannot flush \(on-error continue\)/);
    const { repo, manifest } = await latest();
    await repo.close();
    expect(manifest.status).toBe('complete');
    expect(manifest.captured.some((c) => c.id === `volume:pv/${pvName}`)).toBe(true);
  });
});

describe('restore hooks', () => {
  it('runs a post-restore hook in the restored pod once it runs again, named in the dry run and reported', async () => {
    await annotate({ 'pre-backup': null, 'pre-backup-on-error': null });
    const hook = 'echo restored > /var/lib/postgresql/data/RESTORED; echo checked $(ls /var/lib/postgresql/data | wc -l) entries';
    await kubectl('patch', 'statefulset', '-n', 'shop', 'postgres', '--type', 'merge', '-p', JSON.stringify({ spec: { template: { metadata: { annotations: { 'lifeboat.dev/post-restore': hook } } } } }));
    const backup = await lifeboat(['backup', '--only', 'kubernetes,volumes'], { env: { LIFEBOAT_CONFIG: lab.configFile } });
    expect(backup.code, backup.stdout + backup.stderr).toBe(0);

    await kubectl('delete', 'namespace', 'shop', '--wait=false');
    await until('namespace shop to be gone', async () => !JSON.parse(await kubectl('get', 'namespaces', '-o', 'json')).items.some((n: { metadata: { name: string } }) => n.metadata.name === 'shop'), 120_000);

    const dry = await lifeboat(['restore', 'latest', '--only', 'objects,volumes', '--namespace', 'shop', '--dry-run'], { env: { LIFEBOAT_CONFIG: lab.configFile } });
    expect(dry.code, dry.stdout + dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`then, once its pod runs, the post-restore hook of StatefulSet shop/postgres: ${hook}`);

    const restore = await lifeboat(['restore', 'latest', '--only', 'objects,volumes', '--namespace', 'shop'], { env: { LIFEBOAT_CONFIG: lab.configFile } });
    expect(restore.code, restore.stdout + restore.stderr).toBe(0);
    expect(restore.stdout).toMatch(/post-restore hook of StatefulSet shop\/postgres: post-restore hook in pod shop\/postgres-0 \(container postgres\): .*: ok; output: checked \d+ entries/);
    const claim = JSON.parse(await kubectl('get', 'pvc', 'data-postgres-0', '-n', 'shop', '-o', 'json'));
    const dir = JSON.parse(await kubectl('get', 'pv', claim.spec.volumeName, '-o', 'json')).spec.hostPath.path;
    expect(fs.readFileSync(path.join(dir, 'RESTORED'), 'utf8')).toBe('restored\n');
    // The restored volume's data is there too.
    expect(fs.existsSync(path.join(dir, 'pg_wal', '000000010000000000000001'))).toBe(true);
  });
});
