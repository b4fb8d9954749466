import { createHash, randomBytes } from 'node:crypto';
import type { Inventory, InventoryItem } from '../../src/engine/inventory/types.ts';
import { runJobs, type Job } from '../../src/engine/jobs/runner.ts';
import { backupRun, summaryOf } from '../../src/screens/backupRun.ts';
import type { SnapshotContents } from '../../src/engine/restore/contents.ts';
import type { RestoreReport } from '../../src/engine/restore/restore.ts';
import type { ItemResult, ObjectAction, PlanAction, RestorePlan } from '../../src/engine/restore/types.ts';
import type { PlannedRestore, RestoreRequest, SnapshotSummary, TuiServices } from '../../src/screens/services.ts';

// Inventory data shaped like the seeded lab's, and services whose backups are real runs of
// `runJobs` over small real jobs (hashing real bytes), so the screens see the runner's events.

type Seed = Omit<InventoryItem, 'id'> & { id?: string };
const SEEDS: Seed[] = [
  { group: 'shop', kind: 'Deployment', name: 'api', namespace: 'shop', verdict: 'needs-backup', reason: 'a rebuild needs its spec', source: 'kubernetes' },
  { group: 'shop', kind: 'Secret', name: 'db-password', namespace: 'shop', verdict: 'needs-backup', reason: 'a rebuild needs it; it exists nowhere else', source: 'kubernetes' },
  { group: 'shop', kind: 'Pod', name: 'api-7d9f-x2x8p', namespace: 'shop', verdict: 'skippable', reason: 'owned by ReplicaSet api-7d9f: rebuilt from the template' },
  { group: 'shop', kind: 'ReplicaSet', name: 'api-7d9f', namespace: 'shop', verdict: 'skippable', reason: 'owned by Deployment api' },
  { group: 'default', kind: 'Pod', name: 'bare-pod', namespace: 'default', verdict: 'at-risk', reason: 'no controller: if it goes, nothing rebuilds it' },
  { group: 'default', kind: 'Event', name: 'bare-pod.1800', namespace: 'default', verdict: 'skippable', reason: 'events are history, not state' },
  { group: 'cluster', kind: 'CustomResourceDefinition', name: 'widgets.example.com', verdict: 'needs-backup', reason: 'custom resources need their definition', source: 'kubernetes' },
  { group: 'docker', kind: 'Container', name: 'notes', verdict: 'at-risk', reason: 'keeps data in its writable layer: /data/notes.txt', details: { paths: '/data/notes.txt' } },
  { group: 'docker', kind: 'Volume', name: 'pgdata', verdict: 'needs-backup', reason: 'a named volume holds data', source: 'volumes' },
  { group: 'etcd', kind: 'etcd', name: '127.0.0.1:2379', verdict: 'needs-backup', reason: "the cluster's whole state", source: 'etcd' },
  { group: 'registries', kind: 'Image', name: 'lab/busybox:1.36', verdict: 'needs-backup', reason: 'in use by shop/api', source: 'images' },
  { group: 'databases', kind: 'Database', name: 'postgres/shop', verdict: 'needs-backup', reason: 'a database: dumped with pg_dump', source: 'databases' },
  { group: 'prometheus', kind: 'Prometheus', name: 'prometheus.yml', verdict: 'needs-backup', reason: 'the scrape and alert configuration', source: 'prometheus' },
];

/** The fixtures' "now": a day after the newest of OLD_SNAPSHOTS, whatever the date the tests run on. */
export const NOW = Date.parse('2026-11-25T10:00:00Z');

export function labItems(): InventoryItem[] {
  return SEEDS.map((s) => ({ ...s, id: s.id ?? `${s.group}/${s.kind}/${s.name}` }));
}

/** An inventory with coverage from the snapshots that hold everything (after a full backup). */
export function inventoryOf(items: InventoryItem[], backedUpAt?: { id: string; time: string }): Inventory {
  const needs = items.filter((i) => i.verdict === 'needs-backup');
  if (backedUpAt) for (const i of needs) i.covered = { snapshot: backedUpAt.id, time: backedUpAt.time, ageMs: NOW - Date.parse(backedUpAt.time), stale: false };
  const covered = needs.filter((i) => i.covered).length;
  return { items, coverage: { covered, total: needs.length, ratio: needs.length ? covered / needs.length : 1, stale: 0 }, generatedAt: new Date(NOW).toISOString(), warnings: [] };
}

/** n items over many namespaces, for the windowing tests. */
export function manyItems(n: number): InventoryItem[] {
  return Array.from({ length: n }, (_, i) => {
    const v = (['needs-backup', 'skippable', 'at-risk'] as const)[i % 3]!;
    return { id: `ns-${i % 97}/ConfigMap/cm-${i}`, group: `ns-${String(i % 97).padStart(2, '0')}`, kind: 'ConfigMap', name: `cm-${i}`, verdict: v, reason: `reason ${i}` };
  });
}

/** A gate a job waits at, so a test can look at a backup in flight. */
export function gate() {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

const waitOrAbort = (p: Promise<void>, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    p.then(resolve);
  });

/** Hashes `chunks` real random chunks, reporting bytes (with or without a total). */
function hashJob(id: string, title: string, chunks: number, opts: { total?: boolean; hold?: Promise<void>; warn?: string; fail?: string } = {}): Job {
  return {
    id,
    title,
    async run(ctx) {
      const size = 64 * 1024;
      const h = createHash('sha256');
      for (let i = 0; i < chunks; i++) {
        if (i === Math.floor(chunks / 2) && opts.hold) await waitOrAbort(opts.hold, ctx.signal);
        if (i === 1 && opts.warn) ctx.warn(opts.warn);
        if (i === 2 && opts.fail) throw new Error(opts.fail);
        h.update(randomBytes(size));
        const total = opts.total !== false;
        ctx.progress({ phase: 'copying', bytesDone: (i + 1) * size, bytesTotal: total ? chunks * size : undefined, itemsDone: i + 1, itemsTotal: total ? chunks : undefined });
        await new Promise((r) => setImmediate(r));
      }
      return { bytes: chunks * size, items: chunks, skipped: [], captured: [], digest: h.digest('hex') };
    },
  };
}

/** The six jobs of a full backup; `hold` keeps etcd (and volumes) running until opened. */
export function labJobs(opts: { hold?: Promise<void>; failDatabases?: boolean } = {}): Job[] {
  return [
    hashJob('etcd', 'etcd', 16, { hold: opts.hold }),
    hashJob('volumes', 'volumes', 12, { total: false, hold: opts.hold }),
    hashJob('images', 'images', 8, { warn: 'lab/old:0.1 exists only in the local engine' }),
    hashJob('kubernetes', 'Kubernetes objects', 10),
    hashJob('prometheus', 'Prometheus', 4),
    hashJob('databases', 'databases', 6, { fail: opts.failDatabases ? 'pg_dump: connection refused' : undefined }),
  ];
}

/** Services over the fixtures: backups are real runJobs runs; a finished one covers everything. */
export function labServices(opts: { jobs?: () => Job[]; items?: InventoryItem[]; snapshots?: SnapshotSummary[] } = {}) {
  const items = opts.items ?? labItems();
  const snapshots = [...(opts.snapshots ?? [])];
  let newest: { id: string; time: string } | undefined;
  const calls: { items?: string[] }[] = [];
  let n = 0;
  const services: TuiServices = {
    context: 'lab',
    configFile: '/lab/lifeboat.yaml',
    repository: '/lab/repo',
    now: () => NOW,
    probe: async () => [],
    loadInventory: async () => inventoryOf(items.map((i) => ({ ...i })), newest),
    listSnapshots: async () => [...snapshots],
    readManifest: async (id) => ({ format: 'lifeboat-manifest/1', snapshot: id, status: 'complete', jobs: Array.from({ length: 30 }, (_, i) => ({ kind: `job-${i}`, status: 'ok', bytes: i * 1000 })) }),
    snapshotContents: async () => ({ sources: [], namespaces: {}, kinds: {}, clusterScoped: 0 }),
    planRestore: async () => {
      throw new Error('no restore in these fixtures (restoreFixtures adds it)');
    },
    startRestore: () => backupRun(async () => {
      throw new Error('no restore in these fixtures');
    }),
    startBackup(o) {
      calls.push(o);
      return backupRun(async ({ signal, onEvent }) => {
        const results = await runJobs((opts.jobs ?? labJobs)(), { signal, onEvent, concurrency: 6, progressIntervalMs: 0 });
        // As the engine does: a cancelled backup commits nothing.
        const cancelled = results.some((r) => r.status === 'cancelled');
        const summary = summaryOf(results, cancelled ? undefined : `${(++n).toString(16).padStart(8, 'c')}${'0'.repeat(56)}`);
        if (!cancelled) {
          const time = new Date(NOW).toISOString();
          snapshots.unshift({ id: summary.snapshotId!, shortId: summary.snapshotId!.slice(0, 8), time, tags: [], sources: ['etcd', 'kubernetes'], bytes: 3_000_000, status: summary.status === 'complete' ? 'complete' : 'partial' });
          newest = { id: summary.snapshotId!, time };
        }
        return summary;
      });
    },
  };
  return { services, calls, snapshots };
}

export const OLD_SNAPSHOTS: SnapshotSummary[] = [
  { id: 'a1b2c3d4'.padEnd(64, '0'), shortId: 'a1b2c3d4', time: '2026-11-20T10:00:00Z', tags: [], sources: ['kubernetes', 'etcd'], bytes: 12_345_678, status: 'complete' },
  { id: 'e5f6a7b8'.padEnd(64, '0'), shortId: 'e5f6a7b8', time: '2026-11-24T09:30:00Z', tags: ['nightly'], sources: ['kubernetes', 'etcd', 'volumes'], bytes: 98_765_432, status: 'partial' },
];

/** A small plan as the engine makes one: object actions of every verb with changes and a diff, volume data, etcd. */
export function fakePlan(request: RestoreRequest): RestorePlan {
  const ns = request.options.namespaceMap?.shop ?? 'shop';
  const ref = (kind: string, resource: string, apiVersion = 'v1') => ({ group: apiVersion.includes('/') ? apiVersion.split('/')[0]! : '', version: 'v1', apiVersion, resource, kind, namespaced: true });
  const obj = (kind: string, name: string, resource: string, verb: 'create' | 'update' | 'skip', extra: Partial<ObjectAction> = {}): ObjectAction => ({
    source: 'objects', id: `kubernetes:core/v1/${resource}/shop/${name}`, title: `${kind} ${ns}/${name}`, verb, ref: ref(kind, resource), namespace: ns, name,
    phase: 1, phaseName: 'config', changes: [], warnings: [], reason: verb === 'create' ? 'not in the target' : verb === 'skip' ? 'exists (policy skip)' : 'exists and differs (policy update)', ...extra,
  });
  const actions: PlanAction[] = [
    obj('Namespace', ns, 'namespaces', 'skip'),
    obj('ConfigMap', 'app-config', 'configmaps', 'create', { changes: ['removed uid, resourceVersion, creationTimestamp', 'label lifeboat.dev/restored-from=e5f6a7b8'] }),
    obj('Secret', 'db-password', 'secrets', request.options.existingPolicy === 'skip' ? 'skip' : 'update', { diff: '--- live\n+++ restored\n-  password: b2xk\n+  password: c2VjcmV0' }),
    obj('Deployment', 'api', 'deployments', 'create', { changes: ['image of container api: lab/api:1 -> mirror/api:1 (--registry-map)'] }),
    { source: 'volumes', id: 'volume:docker/pgdata', title: 'Docker volume pgdata', verb: 'restore', from: '/volumes/docker/pgdata', target: { type: 'docker', volume: 'pgdata' }, bytes: 4_000_000, reason: 'the volume is empty', warnings: [] },
  ];
  return { snapshot: { id: request.snapshot, short: request.snapshot.slice(0, 8), time: '2026-11-24T09:30:00Z', hostname: 'lab' }, scope: request.scope, options: request.options, actions, warnings: ['Deployment shop/api uses image lab/api:1, which the snapshot does not hold'] };
}

/** Restore services over the fixtures: plans are fakePlan, runs are real runJobs runs whose report follows the plan. */
export function restoreFixtures(services: TuiServices, opts: { hold?: Promise<void>; failSecret?: boolean } = {}) {
  const plans: RestoreRequest[] = [];
  const runs: PlannedRestore[] = [];
  const contents: SnapshotContents = {
    sources: [{ source: 'objects', items: 42 }, { source: 'volumes', items: 2 }, { source: 'etcd', items: 1 }],
    namespaces: { shop: 30, monitoring: 8 },
    kinds: { configmaps: 9, deployments: 6, secrets: 7, services: 6, namespaces: 2, persistentvolumes: 4 },
    clusterScoped: 4,
  };
  Object.assign(services, {
    snapshotContents: async () => contents,
    planRestore: async (request: RestoreRequest) => {
      plans.push(request);
      return { request, plan: fakePlan(request), context: request.targetContext ?? services.context };
    },
    startRestore(planned: PlannedRestore) {
      runs.push(planned);
      return backupRun(async ({ signal, onEvent }) => {
        const jobs = [hashJob('objects', 'Kubernetes objects', 8, { hold: opts.hold }), hashJob('volumes', 'Volume data', 6, { hold: opts.hold })];
        const results = await runJobs(jobs, { signal, onEvent, concurrency: 2, progressIntervalMs: 0 });
        const items: ItemResult[] = planned.plan.actions.map((a) => ({
          id: a.id, title: a.title,
          outcome: a.verb === 'skip' ? 'skipped' : opts.failSecret && a.title.startsWith('Secret') ? 'failed' : a.verb === 'update' ? 'updated' : a.verb === 'restore' ? 'restored' : 'created',
          reason: a.verb === 'skip' ? a.reason : opts.failSecret && a.title.startsWith('Secret') ? 'secrets "db-password" is forbidden' : undefined,
        }));
        const totals = { created: 0, updated: 0, recreated: 0, restored: 0, skipped: 0, failed: 0 };
        for (const i of items) totals[i.outcome]++;
        const cancelled = results.some((r) => r.status === 'cancelled');
        const report: RestoreReport = { status: cancelled ? 'cancelled' : totals.failed ? 'failed' : 'ok', results: results as RestoreReport['results'], items, totals, notes: [] };
        return report;
      });
    },
  });
  return { plans, runs, contents };
}
