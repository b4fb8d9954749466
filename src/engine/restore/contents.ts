// What a snapshot holds, as the wizard's "what to restore" tree shows it: the restorable sources
// with their item counts, and the Kubernetes objects per namespace and per resource.
import { readManifest } from '../backup/manifest-read.ts';
import type { Repository } from '../repository/repository.ts';
import type { SnapshotInfo } from '../repository/snapshot.ts';
import { restoreNameOf, restoreSources, sourceModules } from '../sources/registry.ts';
import { readSnapshotObjects } from './snapshot-objects.ts';
import type { RestoreSource } from './types.ts';
import { parseObjectId } from '../sources/kubernetes/ids.ts';

export interface SnapshotContents {
  /** Items per restorable source the snapshot holds, in plan order (the registry's). */
  sources: { source: RestoreSource; items: number }[];
  /** Namespaced objects per namespace (as the snapshot names them). */
  namespaces: Record<string, number>;
  /** Objects per resource (`configmaps`, `deployments`): what `--kind` takes. */
  kinds: Record<string, number>;
  /** Cluster-scoped objects (restored only when no namespace is chosen). */
  clusterScoped: number;
}


export async function snapshotContents(repo: Repository, snap: SnapshotInfo, signal?: AbortSignal): Promise<SnapshotContents> {
  const counts = new Map<RestoreSource, number>();
  let ids: string[];
  const manifest = await readManifest(repo, snap).catch(() => undefined);
  if (manifest) {
    for (const j of manifest.jobs) {
      const source = restoreNameOf(j.kind);
      if (source && (j.status === 'ok' || manifest.captured.some((c) => c.source === j.kind))) counts.set(source, 0);
    }
    for (const c of manifest.captured) {
      const source = restoreNameOf(c.source);
      if (source) counts.set(source, (counts.get(source) ?? 0) + 1);
    }
    ids = manifest.captured.filter((c) => c.source === 'kubernetes').map((c) => c.id);
  } else {
    await repo.loadIndex();
    ids = (await readSnapshotObjects(repo, snap, { signal })).map((o) => o.id);
    if (ids.length) counts.set('objects', ids.length);
    for (const p of snap.paths) {
      const source = sourceModules().find((s) => s.snapshotPath === p)?.restore?.name;
      if (source && !counts.has(source)) counts.set(source, 0);
    }
  }
  const namespaces: Record<string, number> = {};
  const kinds: Record<string, number> = {};
  let clusterScoped = 0;
  for (const id of ids) {
    const o = parseObjectId(id);
    if (!o) continue;
    kinds[o.resource] = (kinds[o.resource] ?? 0) + 1;
    if (o.namespace) namespaces[o.namespace] = (namespaces[o.namespace] ?? 0) + 1;
    else clusterScoped++;
  }
  return { sources: restoreSources().filter((s) => counts.has(s)).map((source) => ({ source, items: counts.get(source)! })), namespaces, kinds, clusterScoped };
}
