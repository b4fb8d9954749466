// What the round-trip and fidelity tests rely on in the corpus: every file is the recorded upstream
// file with its source and apply method, the classes of object they exercise are really there
// (read from the parsed files, not from corpus.json), and the loader refuses what it cannot vouch for.
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  compareKubeVersions,
  corpusObjects,
  countByKind,
  groupOf,
  loadCorpus,
  lastAppliedBytes,
  writeSetFiles,
  type CorpusObject,
} from './corpus.ts';

type Obj = Record<string, any>;
const corpus = loadCorpus();
const objects = corpusObjects(corpus);
const temps: string[] = [];
const temp = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'lifeboat-corpus-'));
  temps.push(dir);
  return dir;
};
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

const spec = (o: CorpusObject): Obj => (o.object.spec ?? {}) as Obj;
const ofKind = (kind: string): CorpusObject[] => objects.filter((o) => o.kind === kind);
const crds = ofKind('CustomResourceDefinition');
const servedVersions = (crd: CorpusObject): string[] =>
  (spec(crd).versions as Obj[]).filter((v) => v.served).map((v) => v.name as string);
// kube-apiserver prefers, for a group of CRDs, the highest version any of them serves.
const preferred = new Map<string, string>();
for (const crd of crds) {
  const group = spec(crd).group as string;
  const best = [...servedVersions(crd), ...(preferred.has(group) ? [preferred.get(group)!] : [])].sort(compareKubeVersions)[0];
  preferred.set(group, best);
}
const crdOf = (o: CorpusObject): CorpusObject | undefined =>
  crds.find((c) => spec(c).group === groupOf(o.apiVersion) && spec(c).names.kind === o.kind);
const customResources = objects.filter((o) => crdOf(o));

describe('corpus sources', () => {
  it('says of every set where it comes from and how its documentation applies it', () => {
    for (const set of corpus.sets) {
      expect(set.origin === 'lifeboat' || (set.repository && /^[0-9a-f]{40}$/.test(set.commit ?? '')), set.id).toBeTruthy();
      expect(set.docs.commands.length, set.id).toBeGreaterThan(0);
      for (const step of set.steps) expect(['apply', 'create', 'wait'], `${set.id}: kubectl ${step.kubectl.join(' ')}`).toContain(step.kubectl[0]);
      const applied = set.steps.flatMap((s) => s.kubectl.filter((_, i) => s.kubectl[i - 1] === '-f'));
      for (const file of set.files) {
        const covered = applied.some((p) => p === '.' || p === file.path || (file.path.startsWith(`${p}/`) && !file.path.slice(p.length + 1).includes('/')));
        expect(covered, `${set.id}/${file.path} is applied by one of the set's steps`).toBe(true);
      }
    }
    // The published manifests picked for the corpus are described with their sources, waiting to come in through shared/.
    const upstream = ((corpus as unknown as Obj).upstream.sets ?? []) as Obj[];
    expect(new Set(upstream.map((s) => s.repository)).size).toBeGreaterThanOrEqual(6);
    for (const set of upstream) for (const file of set.files as Obj[]) expect(file.url, `${set.id}/${file.path}`).toContain(`https://github.com/${set.repository}/blob/${set.commit}/`);
  });

  it('keeps no file near 5 MB: files over 1 MiB are stored gzip-compressed', () => {
    for (const set of corpus.sets) {
      for (const file of set.files) {
        const stored = readFileSync(join(corpus.root, set.dir, file.stored ?? file.path));
        expect(stored.length, `${set.id}/${file.stored ?? file.path}`).toBeLessThan(1024 * 1024);
        if (file.bytes > 1024 * 1024) expect(file.stored, `${set.id}/${file.path}`).toMatch(/\.gz$/);
      }
    }
  });

  it('holds as many objects per set and file as corpus.json records', () => {
    for (const set of corpus.sets) {
      expect(objects.filter((o) => o.set === set.id).length, set.id).toBe(set.objects);
      for (const file of set.files) {
        expect(objects.filter((o) => o.set === set.id && o.file === file.path).length, `${set.id}/${file.path}`).toBe(file.objects);
      }
    }
    expect(objects.length).toBe(corpus.totalObjects);
    expect(Object.keys(countByKind(objects)).length).toBeGreaterThanOrEqual(30);
  });

  it('names each object once', () => {
    const keys = objects.map((o) => `${o.kind}/${o.namespace ?? ''}/${o.name}`);
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
  });
});

describe('corpus classes (read from the parsed files)', () => {
  const has = (what: string, found: unknown[]): void => expect(found.length, what).toBeGreaterThan(0);

  it('has CRDs served in several versions, kinds served only at a non-preferred version, and custom resources at one', () => {
    has('a CRD served in more than one version', crds.filter((c) => servedVersions(c).length > 1));
    const onlyNonPreferred = crds.filter((c) => !servedVersions(c).includes(preferred.get(spec(c).group)!));
    expect(onlyNonPreferred.map((c) => c.name)).toEqual(
      expect.arrayContaining(['alertmanagerconfigs.monitoring.coreos.com', 'referencegrants.gateway.networking.k8s.io']),
    );
    expect(customResources.length).toBeGreaterThanOrEqual(10);
    const atNonPreferred = customResources.filter((o) => o.apiVersion.split('/')[1] !== preferred.get(groupOf(o.apiVersion)));
    expect(atNonPreferred.map((o) => o.kind)).toEqual(expect.arrayContaining(['AlertmanagerConfig', 'HTTPRoute', 'ReferenceGrant']));
    has('a custom resource written at a version its CRD serves but the group does not prefer', atNonPreferred.filter((o) => servedVersions(crdOf(o)!).includes(preferred.get(groupOf(o.apiVersion))!)));
  });

  it('has a webhook that is ignored when its server is down, as corpus.json lists it', () => {
    const parsed = objects
      .filter((o) => /WebhookConfiguration$/.test(o.kind))
      .flatMap((o) => (o.object.webhooks as Obj[]).map((w) => `${o.kind}/${o.name} ${w.name} ${w.failurePolicy ?? 'Fail'}`));
    const listed = corpus.sets.flatMap((s) => (s.webhooks ?? []).map((w) => `${w.configuration} ${w.webhook} ${w.failurePolicy}`));
    expect(parsed.sort()).toEqual(listed.sort());
    has('a webhook with failurePolicy Ignore', parsed.filter((w) => w.endsWith(' Ignore')));
  });

  it('has a user-made service-account-token Secret with a key of its own, and Secrets of several types', () => {
    const tokens = ofKind('Secret').filter((o) => o.object.type === 'kubernetes.io/service-account-token');
    has('a token Secret naming its ServiceAccount with an extra key', tokens.filter((o) =>
      (o.object.metadata as Obj).annotations?.['kubernetes.io/service-account.name'] &&
      Object.keys({ ...(o.object.data as Obj), ...(o.object.stringData as Obj) }).some((k) => !['token', 'ca.crt', 'namespace'].includes(k))));
    const types = new Set(ofKind('Secret').map((o) => o.object.type ?? 'Opaque'));
    expect(types.size).toBeGreaterThanOrEqual(6);
    has('an immutable Secret or ConfigMap', objects.filter((o) => o.object.immutable === true));
  });

  it('has static volumes bound by spec.volumeName or claimRef, and claims provisioned through a StorageClass', () => {
    const pvs = ofKind('PersistentVolume').filter((o) => spec(o).hostPath || spec(o).local);
    const claims = ofKind('PersistentVolumeClaim');
    has('a hostPath or local PV named by a claim\'s spec.volumeName', claims.filter((c) => pvs.some((pv) => pv.name === spec(c).volumeName)));
    has('a PV pre-bound by claimRef to a claim of the corpus', pvs.filter((pv) => claims.some((c) => c.name === spec(pv).claimRef?.name && c.namespace === spec(pv).claimRef?.namespace)));
    const classes = ofKind('StorageClass').filter((o) => o.object.provisioner !== 'kubernetes.io/no-provisioner').map((o) => o.name);
    has('a claim of a provisioning StorageClass', claims.filter((c) => !spec(c).volumeName && classes.includes(spec(c).storageClassName)));
    has('a StatefulSet with volumeClaimTemplates', ofKind('StatefulSet').filter((o) => (spec(o).volumeClaimTemplates ?? []).length > 0));
  });

  it('has every kind of RBAC, workload, Service and policy object the tests need', () => {
    for (const kind of [
      'Namespace', 'ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding',
      'Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'ConfigMap', 'Secret',
      'PodDisruptionBudget', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'Ingress',
      'PriorityClass', 'ResourceQuota', 'LimitRange', 'StorageClass',
    ]) has(kind, ofKind(kind));
    const services = ofKind('Service');
    has('a ClusterIP Service', services.filter((o) => (spec(o).type ?? 'ClusterIP') === 'ClusterIP' && spec(o).clusterIP !== 'None'));
    has('a NodePort Service', services.filter((o) => spec(o).type === 'NodePort'));
    has('a headless Service', services.filter((o) => spec(o).clusterIP === 'None'));
  });
});

describe('corpus loader', () => {
  it('writes a set ready for kubectl -f: decompressed, placeholders filled, commands pointing there', () => {
    const values = { __LIFEBOAT_HOSTPATH__: '/srv/lifeboat-volumes', __LIFEBOAT_NODE_NAME__: 'node-a' };
    expect(() => writeSetFiles(corpus, 'lifeboat-extras', temp())).toThrow(/needs a value for __LIFEBOAT_HOSTPATH__/);
    const extras = writeSetFiles(corpus, 'lifeboat-extras', temp(), values);
    const storage = readFileSync(join(extras.dir, '30-storage.yaml'), 'utf8');
    expect(storage).toContain('path: /srv/lifeboat-volumes/shop-orders');
    expect(storage).not.toMatch(/__LIFEBOAT_/);
    expect(extras.commands).toEqual([['apply', '-f', extras.dir]]);
  });

  it('refuses a file without a source entry, changed bytes and a document that does not parse', () => {
    const root = temp();
    cpSync(join(corpus.root, 'corpus.json'), join(root, 'corpus.json'));
    cpSync(join(corpus.root, 'lifeboat-crds'), join(root, 'lifeboat-crds'), { recursive: true });
    const index = JSON.parse(readFileSync(join(root, 'corpus.json'), 'utf8'));
    index.sets = index.sets.filter((s: Obj) => s.id === 'lifeboat-crds');
    writeFileSync(join(root, 'corpus.json'), JSON.stringify(index));
    expect(corpusObjects(loadCorpus(root))).toHaveLength(13);

    const stray = join(root, 'lifeboat-crds', 'extra.yaml');
    writeFileSync(stray, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');
    expect(() => loadCorpus(root)).toThrow(/extra\.yaml has no entry in corpus\.json/);
    rmSync(stray);

    const crds = join(root, 'lifeboat-crds', '00-crds.yaml');
    writeFileSync(crds, readFileSync(crds, 'utf8').replace('served: true', 'served: false'));
    expect(() => loadCorpus(root)).toThrow(/00-crds\.yaml is not the file corpus\.json records/);

    const broken = 'apiVersion: v1\nkind: Service\nmetadata: {name: [unclosed\n';
    Object.assign(index.sets[0].files[0], { bytes: broken.length, sha256: createHash('sha256').update(broken).digest('hex') });
    writeFileSync(join(root, 'corpus.json'), JSON.stringify(index));
    writeFileSync(crds, broken);
    const reloaded = loadCorpus(root);
    expect(() => corpusObjects(reloaded)).toThrow(/lifeboat-crds\/00-crds\.yaml: a document does not parse/);
  });
});
