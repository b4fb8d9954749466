// The round trip on the whole seeded lab: back it up, delete its namespaces, Docker volumes and
// images, the database and a Prometheus rule file, run `lifeboat restore latest`, and everything
// matches the originals (objects compared ignoring only what the planner clears).
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/engine/kube/client.ts';
import { LOCAL_ONLY_IMAGE, SEED_IMAGES } from '../../src/lab/seed/services.ts';
import { lifeboat } from '../helpers/cli.ts';
import { comparable, deleteNamespaces, restoreTestEnvironment } from './helpers.ts';

const env = restoreTestEnvironment(['kube-apiserver', 'dockerd', 'registry', 'prometheus', 'postgres'], ['kubernetes', 'volumes', 'images', 'prometheus', 'databases']);

const NAMESPACED = ['deployments', 'statefulsets', 'services', 'configmaps', 'secrets', 'persistentvolumeclaims', 'cronjobs', 'ingresses', 'pods', 'serviceaccounts', 'alertrules'];

/** Objects of the kinds in scope as the comparison sees them, by `resource ns/name`. */
async function objects(): Promise<Map<string, KubeObject>> {
  const out = new Map<string, KubeObject>();
  const add = (resource: string, o: KubeObject) => {
    const ref = { group: '', version: '', apiVersion: o.apiVersion!, resource, kind: o.kind!, namespaced: Boolean(o.metadata.namespace) };
    out.set(`${resource} ${o.metadata.namespace ?? ''}/${o.metadata.name}`, comparable(ref, o));
  };
  for (const ns of ['shop', 'monitoring']) {
    for (const resource of NAMESPACED) {
      for (const o of await env.get(resource, ns)) {
        // What the cluster makes itself: controller-owned pods, its CA bundle, default accounts.
        if (o.metadata.ownerReferences?.some((r) => r.controller) || o.metadata.name === 'kube-root-ca.crt') continue;
        add(resource, o);
      }
    }
    add('namespaces', (await env.get('namespaces')).find((n) => n.metadata.name === ns)!);
  }
  return out;
}

function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = path.join(d, name);
      const st = fs.lstatSync(p);
      if (st.isDirectory()) walk(p, `${rel}${name}/`);
      else out[`${rel}${name}`] = st.isSymbolicLink() ? `-> ${fs.readlinkSync(p)}` : createHash('sha256').update(fs.readFileSync(p)).digest('hex');
    }
  };
  walk(dir, '');
  return out;
}

function psql(db: string, sql: string): string {
  const pg = env.lab.services.postgres!;
  return execFileSync('psql', ['-X', '-At', '-h', '127.0.0.1', '-p', String(pg.port), '-U', 'postgres', '-d', db, '-c', sql], { encoding: 'utf8' }).trim();
}

describe('round trip', () => {
  it('restores everything deleted after a backup, matching the originals', async () => {
    const docker = env.target.docker!;
    const registry = new URL(env.lab.services.registry!.address).host;
    const images = [...SEED_IMAGES.map((i) => `${registry}/${i}`), LOCAL_ONLY_IMAGE];
    const before = {
      objects: await objects(),
      volumes: Object.fromEntries(await Promise.all(['shop-uploads', 'grafana-data'].map(async (v) => [v, tree((await docker.getVolume(v).inspect()).Mountpoint)]))),
      images: Object.fromEntries(await Promise.all(images.map(async (i) => [i, (await docker.getImage(i).inspect()).Id]))),
      rules: fs.readFileSync(env.lab.services.prometheus!.extra!.rules!, 'utf8'),
      orders: psql('lab', 'SELECT count(*), sum(total), max(customer) FROM orders'),
    };
    const pvc = (await env.get('persistentvolumeclaims', 'shop')).find((p) => p.metadata.name === 'data-postgres-0')!;
    const pvDir = ((await env.get('persistentvolumes')).find((p) => p.metadata.name === (pvc.spec as any).volumeName)!.spec as any).hostPath.path as string;
    const pvFiles = tree(pvDir);
    expect(Object.keys(pvFiles)).toContain('base/16384/orders.csv');

    // The disaster.
    await deleteNamespaces(env, ['shop', 'monitoring']);
    expect(fs.existsSync(pvDir)).toBe(false);
    for (const c of await docker.listContainers({ all: true })) await docker.getContainer(c.Id).remove({ force: true });
    for (const v of ['shop-uploads', 'grafana-data']) await docker.getVolume(v).remove();
    for (const i of images) await docker.getImage(i).remove({ force: true });
    for (const i of SEED_IMAGES) await docker.getImage(i).remove({ force: true }).catch(() => undefined);
    psql('postgres', 'DROP DATABASE lab WITH (FORCE)');
    fs.rmSync(env.lab.services.prometheus!.extra!.rules!);
    await fetch(`${env.lab.services.prometheus!.address}/-/reload`, { method: 'POST' });

    const cli = await lifeboat(['restore', 'latest', '--prometheus-reload'], { env: { LIFEBOAT_CONFIG: env.lab.configFile } });
    if (process.env.SHOW_RESTORE) console.log(cli.stdout, cli.stderr);
    expect(cli.stdout).toMatch(/restore ok: /);
    expect(cli.stdout).not.toMatch(/^FAILED/m);
    expect(cli.code).toBe(0);

    // Objects: every one back, equal but for what the planner clears.
    const after = await objects();
    expect([...after.keys()].sort()).toEqual([...before.objects.keys()].sort());
    for (const [key, o] of before.objects) expect(after.get(key), key).toEqual(o);
    const restoredDep = (await env.get('deployments', 'shop')).find((d) => d.metadata.name === 'api')!;
    expect(restoredDep.metadata.labels?.['lifeboat.dev/restored-from']).toBe(env.snapshot.id.slice(0, 8));
    // The claim's data, in the new volume it got.
    const newPvc = await env.until('the claim to be bound', async () => (await env.get('persistentvolumeclaims', 'shop')).find((p) => (p.spec as any).volumeName));
    const newDir = ((await env.get('persistentvolumes')).find((p) => p.metadata.name === (newPvc.spec as any).volumeName)!.spec as any).hostPath.path as string;
    expect(tree(newDir)).toEqual(pvFiles);
    // Docker volumes, made again with their files.
    for (const [v, files] of Object.entries(before.volumes)) expect(tree((await docker.getVolume(v).inspect()).Mountpoint), v).toEqual(files);
    // Images, the very same, and one of them runs.
    for (const [i, id] of Object.entries(before.images)) expect((await docker.getImage(i).inspect()).Id, i).toBe(id);
    const c = await docker.createContainer({ Image: images[1], Cmd: ['cat', '/app/VERSION'], HostConfig: { NetworkMode: 'none' } });
    await c.start();
    expect((await c.wait()).StatusCode).toBe(0);
    expect((await c.logs({ stdout: true, follow: false })).toString()).toContain('lab/shop-api:2.1');
    await c.remove();
    // Prometheus: the rule file back, and loaded again.
    expect(fs.readFileSync(env.lab.services.prometheus!.extra!.rules!, 'utf8')).toBe(before.rules);
    const rules = (await (await fetch(`${env.lab.services.prometheus!.address}/api/v1/rules`)).json()) as { data: { groups: { name: string }[] } };
    expect(rules.data.groups.map((g) => g.name)).toContain('shop');
    // The database, made again with its rows.
    expect(psql('lab', 'SELECT count(*), sum(total), max(customer) FROM orders')).toBe(before.orders);

    // A second restore changes nothing: everything is there and the same.
    const again = await lifeboat(['restore', 'latest', '--only', 'objects,databases', '--json'], { env: { LIFEBOAT_CONFIG: env.lab.configFile } });
    const report = JSON.parse(again.stdout.trim().split('\n').at(-1)!);
    expect(report).toMatchObject({ type: 'report', status: 'ok', totals: { created: 0, updated: 0, failed: 0 } });

    // Images pushed to a mapped registry path, from the engine (the images are there already).
    const pushed = await lifeboat(['restore', 'latest', '--only', 'images', '--registry-map', `${registry}/lab=${registry}/mirror`], { env: { LIFEBOAT_CONFIG: env.lab.configFile } });
    expect(pushed.code).toBe(0);
    expect(pushed.stdout).toMatch(/restore ok: 0 created, 0 updated, 0 recreated, 4 restored, 1 skipped, 0 failed/);
    const tags = (await (await fetch(`${env.lab.services.registry!.address}/v2/mirror/shop-api/tags/list`)).json()) as { tags: string[] };
    expect(tags.tags).toEqual(['2.1']);
  });
});
