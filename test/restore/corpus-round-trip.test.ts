// The round trip of the corpus (test/corpus): apply every set as its documentation says, back up
// with lifeboat, delete the namespaces and the cluster-scoped objects the corpus made, restore, and
// compare every object field by field, ignoring only what the planner documents as cleared. The
// manifest must account for every object (captured, or skipped with a reason), and the coverage
// must count only what the restore brought back.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifest } from '../../src/engine/backup/manifest-read.ts';
import type { KubeObject } from '../../src/engine/kube/client.ts';
import { discoverResources } from '../../src/engine/kube/discovery.ts';
import { openBackend } from '../../src/engine/repository/backend/location.ts';
import { Repository } from '../../src/engine/repository/repository.ts';
import { corpusObjects, loadCorpus, writeSetFiles, type CorpusObject } from '../corpus/corpus.ts';
import { lifeboat } from '../helpers/cli.ts';
import { comparable, restoreTestEnvironment } from './helpers.ts';

const env = restoreTestEnvironment(['kube-apiserver'], []);
const corpus = loadCorpus();
let volumes: string;
let objects: CorpusObject[];
const cli = (args: string[]) => lifeboat(args, { env: { LIFEBOAT_CONFIG: env.lab.configFile } });

/** `kind.group` as kubectl takes it, so a kind of two groups (two Certificates) is never mixed up. */
const typeOf = (o: { apiVersion: string; kind: string }) => (o.apiVersion.includes('/') ? `${o.kind}.${o.apiVersion.split('/')[0]}` : o.kind);
const keyOf = (o: CorpusObject) => `${typeOf(o)} ${o.namespace ?? ''}/${o.name}`;
const refOf = (o: CorpusObject, live: KubeObject) => ({
  group: o.apiVersion.includes('/') ? o.apiVersion.split('/')[0]! : '',
  version: (live.apiVersion ?? o.apiVersion).split('/').at(-1)!,
  apiVersion: live.apiVersion ?? o.apiVersion,
  resource: `${o.kind.toLowerCase()}s`,
  kind: o.kind,
  namespaced: o.namespace !== undefined,
});

/** Every corpus object as the cluster has it now, by kind, namespace and name. */
async function liveObjects(): Promise<Map<string, KubeObject>> {
  const out = new Map<string, KubeObject>();
  for (const o of objects) {
    const r = await env.kubectl(['get', typeOf(o), o.name, ...(o.namespace ? ['-n', o.namespace] : []), '-o', 'json']);
    if (r.code === 0) out.set(keyOf(o), JSON.parse(r.stdout) as KubeObject);
  }
  return out;
}

/** An object as the comparison sees it: cleaned as the planner cleans, by its real resource name. */
function compared(o: CorpusObject, live: KubeObject, resources: Map<string, string>): KubeObject {
  const ref = { ...refOf(o, live), resource: resources.get(typeOf(o)) ?? refOf(o, live).resource };
  return comparable(ref, live);
}

beforeAll(async () => {
  volumes = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-corpus-volumes-'));
  for (const d of ['shop-orders', 'shop-uploads', 'shop-cache']) fs.mkdirSync(path.join(volumes, d), { recursive: true });
  const values = { __LIFEBOAT_HOSTPATH__: volumes, __LIFEBOAT_NODE_NAME__: 'lab-node-1' };
  objects = corpusObjects(corpus, { values });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-corpus-apply-'));
  for (const set of corpus.sets) {
    const { commands } = writeSetFiles(corpus, set.id, path.join(work, set.id), values);
    for (const args of commands) {
      const r = await env.kubectl(args);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} (set ${set.id}): ${r.stderr}`);
    }
    // As the documentation says of CRDs: wait until they are established before their resources.
    const crds = objects.filter((o) => o.set === set.id && o.kind === 'CustomResourceDefinition').map((o) => `crd/${o.name}`);
    if (crds.length) {
      const w = await env.kubectl(['wait', '--for', 'condition=Established', '--timeout', '60s', ...crds]);
      if (w.code !== 0) throw new Error(`CRDs of ${set.id} not established: ${w.stderr}`);
    }
  }
  fs.rmSync(work, { recursive: true, force: true });
}, 300_000);
afterAll(() => fs.rmSync(volumes, { recursive: true, force: true }));

describe('the corpus round trip', () => {
  it('brings every object back as it was, but for what the planner clears, and accounts for each in the manifest', async () => {
    // `Kind.group` to its resource's plural name, from the cluster's discovery.
    const resources = new Map((await discoverResources(env.kube)).map((r) => [r.group ? `${r.kind}.${r.group}` : r.kind, r.resource] as const));
    const before = await liveObjects();
    expect(before.size).toBe(objects.length);

    const backup = await cli(['backup', '--only', 'kubernetes', '--json']);
    expect(backup.code, backup.stderr).toBe(0);
    const snapshotId = JSON.parse(backup.stdout.trim().split('\n').at(-1)!).snapshot as string;
    const repo = await Repository.open(openBackend(env.config.repository!.url!), fs.readFileSync(env.config.repository!.passwordFile!, 'utf8').trim());
    const manifest = (await readManifest(repo, await repo.findSnapshot(snapshotId)))!;
    await repo.close();
    // Each corpus object is in the snapshot, or in the skipped list with its reason.
    const ids = new Set([...manifest.captured, ...manifest.skipped].map((c) => c.id.split('/').slice(2).join('/')));
    for (const o of objects) {
      const id = `${resources.get(typeOf(o))}/${o.namespace ?? '_cluster'}/${o.name}`;
      expect(ids.has(id), `${keyOf(o)} is in the manifest`).toBe(true);
    }
    for (const s of manifest.skipped) expect(s.reason, s.id).toMatch(/\w{4,}/);

    // Coverage counts what a restore brings back: all of it is held by the backup.
    const inventory = JSON.parse((await cli(['inventory', '--json'])).stdout);
    const corpusItems = inventory.items.filter((i: { namespace?: string; name: string; kind: string }) => objects.some((o) => o.name === i.name && o.kind === i.kind && (o.namespace ?? undefined) === (i.namespace ?? undefined)));
    expect(corpusItems.length).toBeGreaterThan(objects.length / 2);
    const needs = corpusItems.filter((i: { verdict: string }) => i.verdict === 'needs-backup');
    expect(needs.filter((i: { covered?: unknown }) => !i.covered).map((i: { kind: string; name: string }) => `${i.kind} ${i.name}`)).toEqual([]);

    // The disaster: the corpus' namespaces and cluster-scoped objects are deleted.
    const namespaces = [...new Set(objects.filter((o) => o.kind === 'Namespace').map((o) => o.name))];
    const clusterScoped = objects.filter((o) => o.namespace === undefined && o.kind !== 'Namespace');
    const del = await env.kubectl(['delete', '--wait=false', ...clusterScoped.filter((o) => o.kind !== 'CustomResourceDefinition').map((o) => `${typeOf(o)}/${o.name}`)]);
    expect(del.code, del.stderr).toBe(0);
    const delNs = await env.kubectl(['delete', 'namespace', ...namespaces]);
    expect(delNs.code, delNs.stderr).toBe(0);
    const delCrds = await env.kubectl(['delete', ...clusterScoped.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => `crd/${o.name}`)]);
    expect(delCrds.code, delCrds.stderr).toBe(0);
    await env.until('the corpus to be gone', async () => (await liveObjects()).size === 0, 120_000);

    const restore = await cli(['restore', snapshotId]);
    expect(restore.stdout, restore.stderr).toMatch(/restore ok: /);
    expect(restore.code).toBe(0);
    const after = await liveObjects();
    const missing = [...before.keys()].filter((k) => !after.has(k));
    expect(missing, 'objects not restored').toEqual([]);
    for (const o of objects) {
      const key = keyOf(o);
      expect(compared(o, after.get(key)!, resources), key).toEqual(compared(o, before.get(key)!, resources));
    }

    // What the comparison cannot see, checked by hand: the user-made token Secret kept its own key,
    // and the claims of the static volumes the restore brought back are bound to them by name again.
    const token = objects.find((o) => o.kind === 'Secret' && o.object.type === 'kubernetes.io/service-account-token')!;
    const tokenAfter = after.get(keyOf(token))! as KubeObject & { data?: Record<string, string> };
    const own = Object.keys({ ...(token.object.data as object), ...(token.object.stringData as object) }).filter((k) => !['token', 'ca.crt', 'namespace'].includes(k));
    for (const k of own) expect(tokenAfter.data?.[k], `token Secret key ${k}`).toBeDefined();
    for (const claim of objects.filter((o) => o.kind === 'PersistentVolumeClaim' && (o.object.spec as { volumeName?: string }).volumeName)) {
      const spec = after.get(keyOf(claim))!.spec as { volumeName?: string };
      expect(spec.volumeName, keyOf(claim)).toBe((claim.object.spec as { volumeName: string }).volumeName);
    }
  });
});
