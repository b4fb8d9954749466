import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPath, readFile, restoreSnapshot, type Repository, type SnapshotInfo } from '../../src/engine/repository/index.ts';
import { loadImagesFromLayout } from '../../src/engine/sources/images/load.ts';
import type { Manifest } from '../../src/engine/backup/manifest.ts';
import { makeCertificates } from '../../src/lab/kube-apiserver/certs.ts';
import { writeKubeconfig } from '../../src/lab/kube-apiserver/kubeconfig.ts';
import { DEFAULT_TOKENS, startApiServer, type ApiServer } from '../../src/lab/kube-apiserver/server.ts';
import { startEtcd } from '../../src/lab/services/etcd.ts';
import { stopGroup } from '../../src/lab/process.ts';
import { seededLab } from './seeded-lab.ts';

const run = promisify(execFile);
const s = seededLab();
let tmp: string;
let repo: Repository;
let first: { snapshot: string; info: SnapshotInfo; manifest: Manifest; repoBytes: number };

function duBytes(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += fs.statSync(path.join(e.parentPath, e.name)).size;
  }
  return total;
}

async function snapshotFile(info: SnapshotInfo, p: string, from: Repository = repo): Promise<Buffer> {
  const { node } = await findPath(from, info, p);
  const parts: Buffer[] = [];
  for await (const b of readFile(from, node)) parts.push(b);
  return Buffer.concat(parts);
}

/** Relative path -> sha256 (files) or link target (symlinks) of everything under `dir`. */
function fingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const abs = path.join(e.parentPath, e.name);
    const rel = path.relative(dir, abs);
    if (e.isSymbolicLink()) out[rel] = `-> ${fs.readlinkSync(abs)}`;
    else if (e.isFile()) out[rel] = crypto.createHash('sha256').update(fs.readFileSync(abs)).digest('hex');
  }
  return out;
}

/** Parses the JSON lines of `lifeboat backup --json`; the last one is the summary. */
function summaryOf(stdout: string): { snapshot: string | null; status: string; jobs: { kind: string; status: string; error?: string }[] } {
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
  const summary = lines.at(-1);
  expect(summary.type).toBe('summary');
  return summary;
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-backup-test-'));
  const r = await s.lifeboat(['backup', '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const summary = summaryOf(r.stdout);
  expect(summary.status).toBe('complete');
  repo = await s.openRepository();
  const info = await repo.findSnapshot(summary.snapshot!);
  const manifest = JSON.parse((await snapshotFile(info, '/lifeboat/manifest.json')).toString()) as Manifest;
  first = { snapshot: summary.snapshot!, info, manifest, repoBytes: duBytes(s.repositoryDir) };
}, 300_000);

afterAll(async () => {
  await repo?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('a full backup of the seeded lab', () => {
  it('holds every object kubectl shows, each kind in scope, and says why it left out the rest', async () => {
    const resources = JSON.parse(await s.kubectl(['api-resources', '--verbs=list', '-o', 'name'] as string[]).then((t) => JSON.stringify(t.trim().split('\n'))));
    const listed = JSON.parse(await s.kubectl(['get', resources.join(','), '-A', '-o', 'json']));
    const fromKubectl = new Set<string>(
      listed.items.map((o: { kind: string; metadata: { namespace?: string; name: string } }) => `${o.kind}/${o.metadata.namespace ?? '_cluster'}/${o.metadata.name}`),
    );
    const key = (id: string, kind: string) => {
      const [, , , ns, name] = id.replace(/^kubernetes:/, '').split('/');
      return `${kind}/${ns}/${name}`;
    };
    const captured = first.manifest.captured.filter((c) => c.source === 'kubernetes');
    const kindOfResource = new Map(captured.map((c) => [c.id.split('/').slice(0, 3).join('/'), String(c.details?.kind)]));
    const inSnapshot = new Set(captured.map((c) => key(c.id, String(c.details?.kind))));
    const skipped = first.manifest.skipped.filter((c) => c.source === 'kubernetes');
    // A skipped object's kind: from the ids of captured objects of the same resource, or the object itself.
    const skippedKeys = new Set(
      skipped.map((k) => {
        const [, , , ns, name] = k.id.replace(/^kubernetes:/, '').split('/');
        const match = listed.items.find((o: { metadata: { namespace?: string; name: string } }) => (o.metadata.namespace ?? '_cluster') === ns && o.metadata.name === name);
        return `${kindOfResource.get(k.id.split('/').slice(0, 3).join('/')) ?? match?.kind}/${ns}/${name}`;
      }),
    );
    expect(new Set([...inSnapshot, ...skippedKeys])).toEqual(fromKubectl);
    // What a restore needs is in; what the cluster regenerates is out, with the reason.
    expect(inSnapshot).toContain('Deployment/shop/frontend');
    expect(inSnapshot).toContain('AlertRule/monitoring/high-error-rate');
    expect(inSnapshot).toContain('Secret/shop/postgres-credentials');
    expect([...inSnapshot].filter((k) => k.startsWith('Event/') || k.startsWith('Endpoints/'))).toEqual([]);
    const ownedPod = skipped.find((k) => /\/pods\/shop\/frontend-/.test(k.id));
    expect(ownedPod?.reason).toMatch(/owned by ReplicaSet frontend-.*rebuilt from its template/);
    // Each object is a YAML file under its group, version, resource, namespace and name.
    const deployment = yaml.load((await snapshotFile(first.info, '/kubernetes/apps/v1/deployments/shop/frontend.yaml')).toString()) as { kind: string; metadata: { name: string } };
    expect(deployment).toMatchObject({ kind: 'Deployment', metadata: { name: 'frontend' } });
  });

  it('holds an etcd snapshot that etcdctl snapshot status accepts, with the same revision', async () => {
    const file = path.join(tmp, 'etcd.db');
    fs.writeFileSync(file, await snapshotFile(first.info, '/etcd/snapshot.db'));
    const { stdout } = await run('etcdctl', ['snapshot', 'status', file, '-w', 'json'], { env: { ...process.env, ETCDCTL_API: '3' } });
    const status = JSON.parse(stdout) as { revision: number; totalKey: number };
    const job = first.manifest.jobs.find((j) => j.kind === 'etcd')!;
    expect(status.revision).toBe(Number(job.details?.revision));
    expect(status.totalKey).toBeGreaterThan(50);
  });

  it('holds every PV and Docker volume byte-identical', async () => {
    const pvs = JSON.parse(await s.kubectl(['get', 'pv', '-o', 'json'])).items as { metadata: { name: string }; spec: { hostPath: { path: string } } }[];
    expect(pvs.length).toBeGreaterThan(0);
    const docker = new Docker({ socketPath: s.lab.services.dockerd!.address.replace('unix://', '') });
    const volumes = (await docker.listVolumes()).Volumes.filter((v) => s.seeded.volumes.includes(v.Name));
    expect(volumes.map((v) => v.Name).sort()).toEqual([...s.seeded.volumes].sort());
    const target = path.join(tmp, 'volumes');
    const r = await restoreSnapshot(repo, first.info, target, { include: '/volumes' });
    expect(r.errors).toEqual([]);
    for (const pv of pvs) {
      const original = fingerprint(pv.spec.hostPath.path);
      expect(Object.keys(original).length).toBeGreaterThan(0);
      expect(fingerprint(path.join(target, 'volumes', 'pv', pv.metadata.name))).toEqual(original);
    }
    for (const v of volumes) expect(fingerprint(path.join(target, 'volumes', 'docker', v.Name))).toEqual(fingerprint(v.Mountpoint));
  });

  it('holds every image: one removed from the engine comes back with docker load and runs', async () => {
    const images = first.manifest.captured.filter((c) => c.source === 'images').map((c) => c.id);
    for (const ref of s.seeded.images) expect(images).toContain(`image:${ref}`);
    const docker = new Docker({ socketPath: s.lab.services.dockerd!.address.replace('unix://', '') });
    const ref = s.seeded.images.find((i) => i.endsWith('report-job:1'))!;
    await docker.getImage(ref).remove({ force: true });
    await docker.getImage('lab/report-job:1').remove({ force: true }).catch(() => undefined);
    await expect(docker.getImage(ref).inspect()).rejects.toThrow();
    const loaded = await loadImagesFromLayout({ readFile: (p) => snapshotFile(first.info, `/images/${p}`) }, docker, { refs: [ref] });
    expect(loaded.join(' ')).toContain('report-job:1');
    const out = await run('docker', ['run', '--rm', '--network', 'none', ref, 'cat', '/app/VERSION'], { env: { ...process.env, ...s.env } });
    expect(out.stdout.trim()).toBe('lab/report-job:1');
  });

  it('holds the loaded Prometheus configuration and its rules', async () => {
    const prom = s.lab.services.prometheus!;
    const loaded = (await (await fetch(`${prom.address}/api/v1/status/config`)).json()) as { data: { yaml: string } };
    const name = `127.0.0.1-${prom.port}`;
    expect((await snapshotFile(first.info, `/prometheus/${name}/prometheus.yml`)).toString()).toBe(loaded.data.yaml);
    const rules = prom.extra!.rules!;
    expect((await snapshotFile(first.info, `/prometheus/${name}/rules${rules}`)).toString()).toBe(fs.readFileSync(rules, 'utf8'));
  });

  it('holds a PostgreSQL dump that restores into an empty database with the same rows', async () => {
    const pg = s.lab.services.postgres!;
    const conn = ['-h', '127.0.0.1', '-p', String(pg.port), '-U', 'postgres'];
    const dump = path.join(tmp, 'lab.dump');
    fs.writeFileSync(dump, await snapshotFile(first.info, '/databases/lab/lab.dump'));
    await run('createdb', [...conn, 'restored']);
    await run('pg_restore', [...conn, '-d', 'restored', '--no-owner', dump]);
    const count = async (db: string) => (await run('psql', [...conn, '-d', db, '-tAc', 'SELECT count(*), sum(total) FROM orders'])).stdout.trim();
    expect(await count('restored')).toBe(await count('lab'));
    expect(await count('restored')).toMatch(/^250\|/);
  });
});

describe('more backups', () => {
  it('adds less than 1% of the first backup when nothing changed', async () => {
    const r = await s.lifeboat(['backup', '--json']);
    expect(r.code).toBe(0);
    const growth = duBytes(s.repositoryDir) - first.repoBytes;
    expect(growth).toBeLessThan(first.repoBytes * 0.01);
  });

  it('captures every object even when the API server answers 10% of requests with 429 or 500', async () => {
    const certs = makeCertificates(path.join(tmp, 'flaky-pki'));
    let server: ApiServer | undefined;
    try {
      server = await startApiServer({
        etcd: s.lab.services.etcd!.address,
        tls: { cert: fs.readFileSync(certs.cert), key: fs.readFileSync(certs.key) },
        controllers: false,
        faults: { rate429: 0.05, rate500: 0.05, retryAfterSeconds: 0 },
      });
      // On top of the 10%, a sure few of each, so the test never passes for want of faults.
      server.faults.failNext(3, 429);
      server.faults.failNext(3, 500);
      const kubeconfig = path.join(tmp, 'flaky-kubeconfig');
      writeKubeconfig(kubeconfig, server.url, fs.readFileSync(certs.caCert, 'utf8'), DEFAULT_TOKENS.admin);
      const r = await s.lifeboat(['backup', '--only', 'kubernetes', '--kubeconfig', kubeconfig, '--json']);
      expect(r.code).toBe(0);
      const summary = summaryOf(r.stdout);
      expect(server.faults.injected[429]).toBeGreaterThanOrEqual(3);
      expect(server.faults.injected[500]).toBeGreaterThanOrEqual(3);
      // Opened anew: the command wrote index files this process has not read.
      const now = await s.openRepository();
      const info = await now.findSnapshot(summary.snapshot!);
      const manifest = JSON.parse((await snapshotFile(info, '/lifeboat/manifest.json', now)).toString()) as Manifest;
      await now.close();
      const ids = (m: Manifest) => m.captured.filter((c) => c.source === 'kubernetes').map((c) => c.id).sort();
      expect(ids(manifest)).toEqual(ids(first.manifest));
    } finally {
      await server?.close();
    }
  });

  it('backs up only the items asked for (the marked items of the TUI), and nothing else', async () => {
    const items = ['kubernetes:apps/v1/deployments/shop/frontend', 'volume:docker/shop-uploads', 'database:lab/lab'];
    const r = await s.lifeboat(['backup', ...items.flatMap((i) => ['--item', i]), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = summaryOf(r.stdout);
    expect(summary.jobs.map((j) => j.kind).sort()).toEqual(['databases', 'kubernetes', 'volumes']);
    const now = await s.openRepository();
    const info = await now.findSnapshot(summary.snapshot!);
    const manifest = JSON.parse((await snapshotFile(info, '/lifeboat/manifest.json', now)).toString()) as Manifest;
    await now.close();
    expect(manifest.captured.map((c) => c.id).sort()).toEqual([...items].sort());
  });

  it('with etcd stopped, finishes the other jobs, marks the snapshot partial, names the endpoint, exits 3', async () => {
    const etcd2 = await startEtcd({ dir: s.lab.dir, owner: process.pid, started: new Map(), kubeconfig: s.lab.kubeconfig }, { name: 'etcd-stopped' });
    await stopGroup(etcd2.pid);
    const config = yaml.load(fs.readFileSync(s.lab.configFile, 'utf8')) as { etcd: { endpoints: string[] } };
    config.etcd.endpoints = [etcd2.address];
    const configFile = path.join(tmp, 'lifeboat-etcd-down.yaml');
    fs.writeFileSync(configFile, yaml.dump(config));
    const r = await s.lifeboat(['backup', '--config', configFile]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(new RegExp(`FAILED etcd .*${etcd2.address.replace(/[./]/g, '\\$&')}`));
    expect(r.stdout).toMatch(/OK +kubernetes/);
    expect(r.stdout).toMatch(/snapshot \w{8} saved \(partial\)/);
    const snapshots = JSON.parse((await s.lifeboat(['snapshots', '--json', '--config', configFile])).stdout) as { tags?: string[]; time: string }[];
    const newest = snapshots.sort((a, b) => Date.parse(b.time) - Date.parse(a.time))[0]!;
    expect(newest.tags).toContain('partial');
    expect(newest.tags).not.toContain('etcd');
  });
});
