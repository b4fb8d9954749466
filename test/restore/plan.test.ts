// The planner against the seeded lab cluster: the clean-up rules on real objects read back from a
// snapshot, a dry run that writes nothing and lists every action, and a clone of `shop` as
// `shop-staging` beside it, its claim's data in the new volume.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectionPath, discoverResources } from '../../src/engine/kube/discovery.ts';
import { cleanObject, skipReason } from '../../src/engine/restore/cleanup.ts';
import { diffObjects } from '../../src/engine/restore/diff.ts';
import { decideExisting } from '../../src/engine/restore/existing.ts';
import { formatPlan } from '../../src/engine/restore/format.ts';
import { planRestore } from '../../src/engine/restore/plan.ts';
import { runRestore } from '../../src/engine/restore/restore.ts';
import { readSnapshotObjects, type SnapshotObject } from '../../src/engine/restore/snapshot-objects.ts';
import { RESTORED_FROM_LABEL, type ObjectAction } from '../../src/engine/restore/types.ts';
import { lifeboat } from '../helpers/cli.ts';
import { comparable, restoreTestEnvironment } from './helpers.ts';

const env = restoreTestEnvironment(['kube-apiserver'], ['kubernetes', 'volumes']);
const noMaps = { namespaces: {}, storageClasses: {}, registries: {} };

async function objects(): Promise<SnapshotObject[]> {
  return readSnapshotObjects(env.repo, env.snapshot);
}
const find = (all: SnapshotObject[], resource: string, ns: string | undefined, name: string) =>
  all.find((o) => o.ref.resource === resource && o.object.metadata.namespace === ns && o.object.metadata.name === name)!;

/** Every object of every listable resource, as `resource ns/name@resourceVersion`. */
async function clusterState(): Promise<string[]> {
  const resources = (await discoverResources(env.kube)).filter((r) => r.verbs.includes('list') && !['events', 'leases', 'nodes'].includes(r.resource));
  const out: string[] = [];
  await Promise.all(
    resources.map(async (r) => {
      for await (const page of env.kube.listPages(collectionPath(r))) {
        for (const o of page.items) out.push(`${r.groupVersion}/${r.resource} ${o.metadata.namespace ?? ''}/${o.metadata.name}@${o.metadata.resourceVersion}`);
      }
    }),
  );
  return out.sort();
}

describe('the restore planner', () => {
  it('cleans real objects of what the source cluster assigned, and skips what the target makes itself', async () => {
    const all = await objects();
    const ctx = { mappings: noMaps, snapshot: 'abcd1234' };
    // Service: cluster IPs cleared, except a headless one's.
    const api = find(all, 'services', 'shop', 'api');
    expect((api.object.spec as any).clusterIP).toMatch(/^10\./);
    const apiClean = cleanObject(api.ref, api.object, ctx);
    expect((apiClean.object.spec as any).clusterIP).toBeUndefined();
    expect((apiClean.object.spec as any).clusterIPs).toBeUndefined();
    expect(apiClean.changes.join('\n')).toMatch(/clusterIP/);
    const headless = cleanObject(find(all, 'services', 'shop', 'postgres').ref, find(all, 'services', 'shop', 'postgres').object, ctx);
    expect((headless.object.spec as any).clusterIP).toBe('None');
    // Generic metadata, status, and the restored-from label.
    const dep = find(all, 'deployments', 'shop', 'api');
    expect(dep.object.metadata.uid).toBeTruthy();
    const depClean = cleanObject(dep.ref, dep.object, ctx).object;
    for (const k of ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink']) expect(depClean.metadata[k]).toBeUndefined();
    expect(depClean.status).toBeUndefined();
    expect(cleanObject(dep.ref, dep.object, { ...ctx, keepStatus: true }).object.status).toBeDefined();
    expect(depClean.metadata.labels![RESTORED_FROM_LABEL]).toBe('abcd1234');
    // The claim: no volumeName, no bind annotations; its dynamically provisioned PV is not restored.
    const pvc = find(all, 'persistentvolumeclaims', 'shop', 'data-postgres-0');
    expect((pvc.object.spec as any).volumeName).toBeTruthy();
    const pvcClean = cleanObject(pvc.ref, pvc.object, ctx).object;
    expect((pvcClean.spec as any).volumeName).toBeUndefined();
    expect(Object.keys(pvcClean.metadata.annotations ?? {}).filter((k) => k.startsWith('pv.kubernetes.io/'))).toEqual([]);
    const pv = all.find((o) => o.ref.resource === 'persistentvolumes' && (o.object.spec as any).claimRef?.name === 'data-postgres-0')!;
    expect(skipReason(pv.ref, pv.object)).toMatch(/dynamically provisioned/);
    // A static PV keeps its claim by name, without the old uid, in the mapped namespace.
    const staticPv = structuredClone(pv.object);
    delete staticPv.metadata.annotations!['pv.kubernetes.io/provisioned-by'];
    expect(skipReason(pv.ref, staticPv)).toBeUndefined();
    // Its claim stays bound to it by name when the same restore brings the volume back.
    const kept = cleanObject(pvc.ref, pvc.object, { ...ctx, restoredVolumes: new Set([staticPv.metadata.name]) }).object;
    expect((kept.spec as any).volumeName).toBe(staticPv.metadata.name);
    const mapped = cleanObject(pv.ref, staticPv, { ...ctx, mappings: { ...noMaps, namespaces: { shop: 'shop-staging' }, storageClasses: { 'lab-hostpath': 'fast' } } });
    expect((mapped.object.spec as any).claimRef).toMatchObject({ namespace: 'shop-staging', name: 'data-postgres-0' });
    expect((mapped.object.spec as any).claimRef.uid).toBeUndefined();
    expect((mapped.object.spec as any).storageClassName).toBe('fast');
    // A bare pod loses its node and token volume; controller-owned pods never made it into the snapshot.
    const pod = find(all, 'pods', 'shop', 'debug-shell');
    const podClean = cleanObject(pod.ref, pod.object, ctx).object;
    expect((podClean.spec as any).nodeName).toBeUndefined();
    expect(all.filter((o) => o.ref.resource === 'pods' && o.object.metadata.ownerReferences?.length)).toEqual([]);
    // A user-made ServiceAccount token Secret comes back with its own keys; what the target's token
    // controller writes (the token, the CA, the namespace, the account's uid) is cleared, and said.
    const secretRef = find(all, 'secrets', 'shop', 'api-secrets').ref;
    const token = {
      metadata: { name: 'ci-token', namespace: 'shop', annotations: { 'kubernetes.io/service-account.name': 'ci', 'kubernetes.io/service-account.uid': 'u-old' } },
      type: 'kubernetes.io/service-account-token',
      data: { token: 'ZXlK', 'ca.crt': 'LS0t', namespace: 'c2hvcA==', 'extra.json': 'e30=' },
    };
    expect(skipReason(secretRef, token)).toBeUndefined();
    const tokenClean = cleanObject(secretRef, token, ctx);
    expect(tokenClean.object.data).toEqual({ 'extra.json': 'e30=' });
    expect(tokenClean.object.metadata.annotations).toEqual({ 'kubernetes.io/service-account.name': 'ci' });
    expect(tokenClean.changes.join('\n')).toMatch(/cleared data\.token, data\.ca\.crt, data\.namespace \(the target cluster's token controller writes them/);
    // A Job's controller uid goes, labels and selector both.
    const jobRef = { group: 'batch', version: 'v1', apiVersion: 'batch/v1', resource: 'jobs', kind: 'Job', namespaced: true };
    const job = {
      metadata: { name: 'j', namespace: 'shop', labels: { 'controller-uid': 'u1', 'batch.kubernetes.io/controller-uid': 'u1', keep: 'y' } },
      spec: { selector: { matchLabels: { 'controller-uid': 'u1' } }, template: { metadata: { labels: { 'controller-uid': 'u1', 'batch.kubernetes.io/controller-uid': 'u1' } } } },
    };
    const jobClean = cleanObject(jobRef, job, ctx).object as any;
    expect(jobClean.metadata.labels).toEqual({ keep: 'y', [RESTORED_FROM_LABEL]: 'abcd1234' });
    expect(jobClean.spec.selector).toBeUndefined();
    expect(jobClean.spec.template.metadata.labels).toEqual({});
    // Auto-assigned node ports go; ones the last applied configuration asked for stay.
    const np = structuredClone(api.object) as any;
    np.spec.type = 'NodePort';
    np.spec.ports = [{ port: 80, nodePort: 31000 }, { port: 81, nodePort: 31001 }];
    np.metadata.annotations = { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ spec: { ports: [{ port: 81, nodePort: 31001 }] } }) };
    expect((cleanObject(api.ref, np, ctx).object.spec as any).ports).toEqual([{ port: 80 }, { port: 81, nodePort: 31001 }]);
    // RoleBinding subjects follow the namespace map.
    const rbRef = { group: 'rbac.authorization.k8s.io', version: 'v1', apiVersion: 'rbac.authorization.k8s.io/v1', resource: 'rolebindings', kind: 'RoleBinding', namespaced: true };
    const rb = { metadata: { name: 'rb', namespace: 'shop' }, roleRef: { kind: 'Role', name: 'r' }, subjects: [{ kind: 'ServiceAccount', name: 'api', namespace: 'shop' }, { kind: 'User', name: 'alice' }] };
    const rbClean = cleanObject(rbRef, rb, { ...ctx, mappings: { ...noMaps, namespaces: { shop: 'shop-staging' } } }).object as any;
    expect(rbClean.metadata.namespace).toBe('shop-staging');
    expect(rbClean.subjects).toEqual([{ kind: 'ServiceAccount', name: 'api', namespace: 'shop-staging' }, { kind: 'User', name: 'alice' }]);
    // Registry mapping rewrites pod templates.
    const regMapped = cleanObject(dep.ref, { ...dep.object, spec: { template: { spec: { containers: [{ name: 'a', image: 'old.example:5000/lab/shop-api:2.1' }] } } } }, { ...ctx, mappings: { ...noMaps, registries: { 'old.example:5000': 'new.example' } } });
    expect((regMapped.object.spec as any).template.spec.containers[0].image).toBe('new.example/lab/shop-api:2.1');
  });

  it('turns an update that changes an immutable field into a recreate, with a warning', async () => {
    const all = await objects();
    const ctx = { mappings: noMaps, snapshot: 'abcd1234' };
    const sts = find(all, 'statefulsets', 'shop', 'postgres');
    const desired = cleanObject(sts.ref, sts.object, ctx).object;
    const live = structuredClone(sts.object) as any;
    live.spec.replicas = 3;
    expect(decideExisting(sts.ref, live, desired, 'update', ctx)).toMatchObject({ verb: 'update' });
    expect(decideExisting(sts.ref, live, desired, 'skip', ctx)).toMatchObject({ verb: 'skip' });
    expect(decideExisting(sts.ref, sts.object, desired, 'update', ctx)).toMatchObject({ verb: 'skip', reason: expect.stringMatching(/same/) });
    live.spec.serviceName = 'other';
    const d = decideExisting(sts.ref, live, desired, 'update', ctx);
    expect(d.verb).toBe('recreate');
    expect(d.warnings.join()).toMatch(/spec.serviceName/);
    expect(d.diff).toMatch(/- {2,}serviceName: other/);
    expect(diffObjects({ a: 1 }, { a: 1 })).toBe('');
  });

  it('dry run: lists every object of the scope with its verb and writes nothing', async () => {
    const before = await clusterState();
    const cli = await lifeboat(['restore', env.snapshot.id.slice(0, 8), '--dry-run', '--namespace', 'shop', '--namespace-map', 'shop=shop-dry'], {
      env: { LIFEBOAT_CONFIG: env.lab.configFile },
    });
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    const after = await clusterState();
    expect(after).toEqual(before);
    const all = await objects();
    const inShop = all.filter((o) => o.object.metadata.namespace === 'shop');
    for (const o of inShop) expect(cli.stdout).toContain(`${o.ref.kind} shop-dry/${o.object.metadata.name}`);
    expect(cli.stdout).toMatch(/create +Namespace shop-dry: not in the target/);
    expect(cli.stdout).toMatch(/counts:\n/);
    expect(cli.stdout).toMatch(/Deployment +create 2/);
    // The claim's data is planned into the volume the new claim gets.
    expect(cli.stdout).toMatch(/restore +volume pvc-[^ ]+ \(claim shop\/data-postgres-0\): into the volume the cluster binds to claim shop-dry\/data-postgres-0/);

    // Of what exists, the plan shows what differs, as a diff, and skips by default.
    const patch = await env.kubectl(['-n', 'shop', 'patch', 'configmap', 'api-config', '--type=merge', '-p', '{"data":{"LOG_LEVEL":"debug"}}']);
    expect(patch.code).toBe(0);
    const before2 = await clusterState();
    const plan = await planRestore({ repo: env.repo, snapshot: env.snapshot, target: env.target, scope: { namespaces: ['shop'], sources: ['objects'] } });
    const cm = plan.actions.find((a) => a.title === 'ConfigMap shop/api-config') as ObjectAction;
    expect(cm).toMatchObject({ verb: 'skip', reason: expect.stringMatching(/differs/) });
    expect(cm.diff).toContain('-   LOG_LEVEL: debug');
    expect(cm.diff).toContain('+   LOG_LEVEL: info');
    const same = plan.actions.find((a) => a.title === 'ConfigMap shop/frontend-config')!;
    expect(same.reason).toMatch(/same as in the snapshot/);
    const updating = await planRestore({ repo: env.repo, snapshot: env.snapshot, target: env.target, scope: { namespaces: ['shop'], sources: ['objects'] }, options: { existingPolicy: 'update' } });
    expect(updating.actions.find((a) => a.title === 'ConfigMap shop/api-config')!.verb).toBe('update');
    expect(formatPlan(updating).join('\n')).toMatch(/update +ConfigMap shop\/api-config/);
    expect(await clusterState()).toEqual(before2);
    // And an update puts it back.
    const report = await runRestore({ repo: env.repo, snapshot: env.snapshot, plan: { ...updating, actions: updating.actions.filter((a) => a.title === 'ConfigMap shop/api-config') }, target: env.target });
    expect(report.items).toEqual([expect.objectContaining({ outcome: 'updated' })]);
    const cmNow = (await env.get('configmaps', 'shop')).find((c) => c.metadata.name === 'api-config')!;
    expect((cmNow.data as Record<string, string>).LOG_LEVEL).toBe('info');
    expect(cmNow.metadata.labels?.[RESTORED_FROM_LABEL]).toBe(env.snapshot.id.slice(0, 8));
  });

  it('never shows a Secret value, nor a plain hash of one: a changed Secret diffs as a changed keyed hash, in text and in JSON', async () => {
    const patch = await env.kubectl(['-n', 'shop', 'patch', 'secret', 'postgres-credentials', '--type=merge', '-p', '{"stringData":{"POSTGRES_PASSWORD":"rotated-by-hand"}}']);
    expect(patch.code).toBe(0);
    const secretValues = ['lab-shop-password', 'rotated-by-hand', 'sk_test_lab'];
    // Nor any hash a guess could be checked against (the value's SHA-256 or SHA-1, in hex, as a prefix).
    const digests = (v: string) => ['sha256', 'sha1', 'md5'].map((h) => createHash(h).update(v).digest('hex').slice(0, 8));
    const forbidden = secretValues.flatMap((v) => [v, Buffer.from(v).toString('base64'), ...digests(v)]);
    for (const json of [false, true]) {
      const cli = await lifeboat(['restore', 'latest', '--dry-run', '--namespace', 'shop', '--only', 'objects', ...(json ? ['--json'] : [])], {
        env: { LIFEBOAT_CONFIG: env.lab.configFile },
      });
      expect(cli.code, cli.stderr).toBe(0);
      for (const v of forbidden) expect(cli.stdout + cli.stderr).not.toContain(v);
      expect(cli.stdout).toMatch(/\(secret: \d+ bytes, keyed hash [0-9a-f]{12}\)/);
    }
    const plan = await planRestore({ repo: env.repo, snapshot: env.snapshot, target: env.target, scope: { namespaces: ['shop'], sources: ['objects'] } });
    const secret = plan.actions.find((a) => a.title === 'Secret shop/postgres-credentials') as ObjectAction;
    expect(secret.reason).toMatch(/differs/);
    expect(secret.diff).toMatch(/- +POSTGRES_PASSWORD: '\(secret: 15 bytes, keyed hash [0-9a-f]{12}\)'/);
    expect(secret.diff).toMatch(/\+ +POSTGRES_PASSWORD: '\(secret: 17 bytes, keyed hash [0-9a-f]{12}\)'/);
    // Unchanged values keep the same tag on both sides, so only the changed one shows in the diff.
    expect(secret.diff).not.toMatch(/^[-+] +POSTGRES_USER/m);
    for (const v of forbidden) expect(secret.diff).not.toContain(v);
    // Put it back as it was, for the tests after this one.
    const back = await env.kubectl(['-n', 'shop', 'patch', 'secret', 'postgres-credentials', '--type=merge', '-p', '{"stringData":{"POSTGRES_PASSWORD":"lab-shop-password"}}']);
    expect(back.code).toBe(0);
  });

  it('clone: restores namespace shop as shop-staging beside it, the claim data in its new volume', async () => {
    const cli = await lifeboat(['restore', 'latest', '--namespace', 'shop', '--namespace-map', 'shop=shop-staging', '--only', 'objects,volumes'], {
      env: { LIFEBOAT_CONFIG: env.lab.configFile },
    });
    expect(cli.stdout).toMatch(/restore ok: \d+ created, 0 updated, 0 recreated, 1 restored, \d+ skipped, 0 failed/);
    expect(cli.code).toBe(0);
    for (const kind of ['deployments', 'statefulsets', 'services', 'configmaps', 'secrets', 'persistentvolumeclaims', 'cronjobs', 'ingresses', 'pods']) {
      const original = (await env.get(kind, 'shop')).filter((o) => !o.metadata.ownerReferences?.some((r) => r.controller) && o.metadata.name !== 'kube-root-ca.crt');
      const clone = await env.get(kind, 'shop-staging');
      for (const o of original) {
        const c = clone.find((x) => x.metadata.name === o.metadata.name);
        expect(c, `${kind} shop-staging/${o.metadata.name}`).toBeDefined();
        const ref = { group: '', version: '', apiVersion: o.apiVersion!, resource: kind, kind: o.kind!, namespaced: true };
        const a = comparable(ref, o) as any;
        const b = comparable(ref, c!) as any;
        b.metadata.namespace = 'shop';
        delete a.metadata.labels?.[RESTORED_FROM_LABEL];
        expect(b, `${kind} ${o.metadata.name}`).toEqual(a);
      }
    }
    // The workloads run in both.
    await env.until('the clone\'s api pods', async () => (await env.get('pods', 'shop-staging')).filter((p) => p.metadata.name.startsWith('api-')).length === 2);
    // The clone's claim is bound to a new volume holding the original's files.
    const [orig, clone] = await Promise.all(['shop', 'shop-staging'].map(async (ns) => (await env.get('persistentvolumeclaims', ns)).find((p) => p.metadata.name === 'data-postgres-0')!));
    const origPv = (orig!.spec as any).volumeName;
    const clonePv = (clone!.spec as any).volumeName;
    expect(clonePv).toBeTruthy();
    expect(clonePv).not.toBe(origPv);
    const dir = (pvName: string) => env.get('persistentvolumes').then((pvs) => (pvs.find((p) => p.metadata.name === pvName)!.spec as any).hostPath.path as string);
    const [a, b] = [await dir(origPv), await dir(clonePv)];
    expect(fs.readFileSync(path.join(b, 'base/16384/orders.csv'), 'utf8')).toBe(fs.readFileSync(path.join(a, 'base/16384/orders.csv'), 'utf8'));
    expect(fs.readFileSync(path.join(b, 'PG_VERSION'), 'utf8')).toBe('15\n');
  });

  it('exits 2 on bad flags and 1 with the report when something fails', async () => {
    const run = (args: string[]) => lifeboat(['restore', 'latest', ...args], { env: { LIFEBOAT_CONFIG: env.lab.configFile } });
    expect((await run(['--existing-resource-policy', 'merge'])).code).toBe(2);
    expect((await run(['--namespace-map', 'shop'])).code).toBe(2);
    expect((await run(['--only', 'objects,tapes'])).code).toBe(2);
    expect((await run(['--selector', 'a in (b'])).code).toBe(2);
    const bad = await run(['--namespace', 'shop', '--kind', 'configmaps', '--namespace-map', 'shop=Not_A_Namespace', '--only', 'objects']);
    expect(bad.stdout).toMatch(/^FAILED +Namespace Not_A_Namespace: /m);
    expect(bad.stdout).toMatch(/restore failed: .* [1-9]\d* failed/);
    expect(bad.code).toBe(1);
  });
});
