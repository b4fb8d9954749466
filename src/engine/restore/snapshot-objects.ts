// The Kubernetes objects of a snapshot, read back from /kubernetes/<group|core>/<version>/
// <resource>/<namespace|_cluster>/<name>.yaml, and the scope filters (kinds, names, labels).
import yaml from 'js-yaml';
import { forEachLimit } from '../jobs/pool.ts';
import type { KubeObject } from '../kube/client.ts';
import { namesResource } from '../kube/discovery.ts';
import { findPath, readFile, walkTree } from '../repository/reader.ts';
import type { Repository } from '../repository/repository.ts';
import type { SnapshotInfo } from '../repository/snapshot.ts';
import { SNAPSHOT_PATHS } from '../sources/sink.ts';
import { NotFoundError } from '../repository/errors.ts';
import type { ObjectRef } from './types.ts';
import { objectIdOfPath } from '../sources/kubernetes/ids.ts';

export interface SnapshotObject {
  /** `kubernetes:apps/v1/deployments/shop/api`, as the manifest names it. */
  id: string;
  path: string;
  ref: ObjectRef;
  object: KubeObject;
}

export async function readWhole(repo: Repository, node: Parameters<typeof readFile>[1]): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of readFile(repo, node)) parts.push(b);
  return Buffer.concat(parts);
}

/** Every object file of the snapshot, parsed; none when it holds no /kubernetes. */
export async function readSnapshotObjects(repo: Repository, snap: SnapshotInfo, opts: { signal?: AbortSignal; concurrency?: number } = {}): Promise<SnapshotObject[]> {
  let root;
  try {
    root = (await findPath(repo, snap, SNAPSHOT_PATHS.kubernetes)).node;
  } catch (e) {
    if (e instanceof NotFoundError) return [];
    throw e;
  }
  if (!root.subtree) return [];
  const files: { path: string; node: Parameters<typeof readFile>[1] }[] = [];
  for await (const e of walkTree(repo, root.subtree, SNAPSHOT_PATHS.kubernetes)) {
    if (e.node.type === 'file' && e.path.endsWith('.yaml')) files.push(e);
  }
  const out: SnapshotObject[] = new Array(files.length);
  await forEachLimit(files, opts.concurrency ?? 16, async (f, i) => {
    opts.signal?.throwIfAborted();
    const [, , groupDir, version, resource, nsDir] = f.path.split('/') as string[];
    const group = groupDir === 'core' ? '' : groupDir!;
    const object = yaml.load((await readWhole(repo, f.node)).toString('utf8')) as KubeObject;
    const namespaced = nsDir !== '_cluster';
    const ref: ObjectRef = { group, version: version!, apiVersion: group ? `${group}/${version}` : version!, resource: resource!, kind: object.kind ?? '', namespaced };
    out[i] = { id: objectIdOfPath(f.path), path: f.path, ref, object };
  });
  return out;
}

/** Whether `kind` (as kubectl names it: Deployment, deployments, deployments.apps, deploy) names ref. */
export function kindMatches(ref: ObjectRef, kinds: string[]): boolean {
  return kinds.some((k) => namesResource(ref, k));
}
