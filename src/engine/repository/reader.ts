// Reading snapshots: walk a snapshot's tree, find the node at a path, stream a file's content.
import type { Repository } from './repository.ts';
import type { SnapshotInfo } from './snapshot.ts';
import { NotFoundError } from './errors.ts';
import { snapshotPathParts } from './writer.ts';
import type { Node } from './tree.ts';
import { mention } from '../mentions.ts';

export interface Entry {
  /** Absolute path inside the snapshot, e.g. "/etc/hosts". */
  path: string;
  node: Node;
}

/** Every node under tree `treeId`, parents before children, in name order. */
export async function* walkTree(repo: Repository, treeId: string, prefix = ''): AsyncGenerator<Entry> {
  const tree = await repo.loadTree(treeId);
  for (const node of tree.nodes) {
    const p = `${prefix}/${node.name}`;
    yield { path: p, node };
    if (node.type === 'dir' && node.subtree) yield* walkTree(repo, node.subtree, p);
  }
}

/**
 * The node at `path` in a snapshot, with the nodes of its parent directories (outermost first).
 * The root ("/") has no node of its own: it comes back as a directory whose subtree is the
 * snapshot's tree.
 */
export async function findPath(repo: Repository, snap: SnapshotInfo, path: string): Promise<{ node: Node; parents: Node[] }> {
  const parts = snapshotPathParts(path);
  let node: Node = { name: '', type: 'dir', uid: 0, gid: 0, content: null, subtree: snap.tree };
  const parents: Node[] = [];
  for (let i = 0; i < parts.length; i++) {
    if (node.type !== 'dir' || !node.subtree) throw new NotFoundError(`/${parts.slice(0, i).join('/')} in snapshot ${snap.id.slice(0, 8)} is not a directory`);
    const tree = await repo.loadTree(node.subtree);
    const next = tree.nodes.find((n) => n.name === parts[i]);
    if (!next) throw new NotFoundError(`no /${parts.slice(0, i + 1).join('/')} in snapshot ${snap.id.slice(0, 8)}: see ${mention('repoLs', snap.id.slice(0, 8))}`);
    if (i > 0) parents.push(node);
    node = next;
  }
  return { node, parents };
}

/** The entries directly inside the directory at `path` (or the node itself, if it is not one). */
export async function listPath(repo: Repository, snap: SnapshotInfo, path = '/'): Promise<Entry[]> {
  const { node } = await findPath(repo, snap, path);
  const base = snapshotPathParts(path).map((p) => '/' + p).join('');
  if (node.type !== 'dir' || !node.subtree) return [{ path: base, node }];
  const tree = await repo.loadTree(node.subtree);
  return tree.nodes.map((n) => ({ path: `${base}/${n.name}`, node: n }));
}

/** A file's content, blob by blob, each one checked against its id. */
export async function* readFile(repo: Repository, node: Node): AsyncGenerator<Buffer> {
  const ids = node.content ?? [];
  // Read one blob ahead so the next read overlaps the consumer's work.
  let next = ids.length ? repo.readBlob(ids[0]!, 'data') : undefined;
  for (let i = 0; i < ids.length; i++) {
    const cur = next!;
    next = i + 1 < ids.length ? repo.readBlob(ids[i + 1]!, 'data') : undefined;
    next?.catch(() => {});
    yield await cur;
  }
}
