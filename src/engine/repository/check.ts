// Checking a repository. Structure: every index file loads, every indexed pack exists with the
// size the index implies, every snapshot's trees load and every blob they name is indexed, and
// every node is one restic's checker accepts and more (tree-rules.ts: names, types, modes, sizes
// against the blobs). Temporary files of interrupted writes are named.
// With readData: every pack is read whole, its hash checked against its name, its header against
// the index, and every blob authenticated, decompressed and hashed. A damaged blob is reported
// with the pack it lives in and the files (snapshot and path) that use it.
import { fileName } from './backend/backend.ts';
import { sha256Hex } from './crypto.ts';
import { decodeIndexFile, type IndexPack } from './master-index.ts';
import { headerSize, parsePackTail, type BlobType } from './pack.ts';
import { mapLimit, type Repository } from './repository.ts';
import type { SnapshotInfo } from './snapshot.ts';
import { nodeProblems } from './tree-rules.ts';
import { mention } from '../mentions.ts';

export interface DamagedBlob {
  id: string;
  type: BlobType;
  pack: string;
  reason: string;
  /** "SNAPSHOT-SHORT-ID:/path" of every file or directory that uses the blob. */
  usedBy: string[];
}

export interface CheckReport {
  /** Problems that make the repository, or part of it, unusable. */
  errors: string[];
  /** Harmless findings (packs no index names: prune removes them). */
  warnings: string[];
  damaged: DamagedBlob[];
  /** Temporary files of interrupted writes (`*-tmp-*`): prune removes them. */
  temporary: { name: string; size: number }[];
  snapshots: number;
  packs: number;
  blobsRead: number;
}

export interface CheckOptions {
  readData?: boolean;
  onProgress?: (p: { phase: string; done: number; total: number }) => void;
}

export async function checkRepository(repo: Repository, opts: CheckOptions = {}): Promise<CheckReport> {
  const report: CheckReport = { errors: [], warnings: [], damaged: [], temporary: [], snapshots: 0, packs: 0, blobsRead: 0 };
  // Index files, one by one, so a broken one is named.
  const packsInIndex = new Map<string, IndexPack>();
  let badIndexes = 0;
  for (const f of await repo.backend.list('index')) {
    try {
      const idx = decodeIndexFile(await repo.loadUnpacked('index', f.id));
      for (const p of idx.packs) {
        if (!packsInIndex.has(p.id)) packsInIndex.set(p.id, p);
        repo.index.addPack(p);
      }
    } catch (e) {
      badIndexes++;
      report.errors.push(`index ${f.id}: ${(e as Error).message}: run ${mention('repoRebuildIndex')} to index the packs again from their headers`);
    }
  }

  // Packs: present, with the right size.
  const listed = new Map((await repo.backend.list('data')).map((f) => [f.id, f.size]));
  report.packs = listed.size;
  for (const [id, p] of packsInIndex) {
    const size = listed.get(id);
    if (size === undefined) {
      report.errors.push(`pack ${id}: named by the index but missing`);
      continue;
    }
    const expected = p.blobs.reduce((n, b) => Math.max(n, b.offset + b.length), 0) + headerSize(p.blobs);
    if (size !== expected) report.errors.push(`pack ${id}: size ${size}, the index implies ${expected}`);
  }
  for (const id of listed.keys()) {
    if (packsInIndex.has(id)) continue;
    // With an index file unreadable, an unindexed pack may well be one of its packs, not litter.
    if (badIndexes) report.errors.push(`pack ${id}: not in any readable index (${mention('repoRebuildIndex')} reads its header back into the index)`);
    else report.warnings.push(`pack ${id}: not referenced in any index (left by an interrupted backup; ${mention('repoPrune')} removes it)`);
  }
  for (const t of (await repo.backend.listTemporary?.()) ?? []) {
    report.temporary.push({ name: t.id, size: t.size });
    report.warnings.push(`${t.id}: a temporary file (${t.size} bytes) an interrupted write left; ${mention('repoPrune')} removes it`);
  }

  // Snapshots and trees.
  const snapshots: SnapshotInfo[] = [];
  for (const f of await repo.backend.list('snapshots')) {
    try {
      snapshots.push({ ...(await repo.loadJson<SnapshotInfo>('snapshots', f.id)), id: f.id });
    } catch (e) {
      report.errors.push(`snapshot ${f.id}: ${(e as Error).message}`);
    }
  }
  report.snapshots = snapshots.length;
  const seenTrees = new Set<string>();
  const missingData = new Set<string>();
  const walk = async (treeId: string, where: string): Promise<void> => {
    if (seenTrees.has(treeId)) return;
    seenTrees.add(treeId);
    let tree;
    try {
      tree = await repo.loadTree(treeId);
    } catch (e) {
      report.errors.push(`tree ${treeId} (${where}): ${(e as Error).message}`);
      return;
    }
    for (const problem of nodeProblems(tree.nodes, repo.index)) report.errors.push(`tree ${treeId} (${where}): ${problem}`);
    for (const n of tree.nodes) {
      const p = `${where === '/' ? '' : where}/${n.name}`;
      if (n.type === 'dir' && typeof n.subtree === 'string' && /^[0-9a-f]{64}$/.test(n.subtree)) await walk(n.subtree, p);
      else if (n.type === 'file') {
        for (const c of n.content ?? []) {
          if (typeof c === 'string' && !repo.index.has(c) && !missingData.has(c)) {
            missingData.add(c);
            report.errors.push(`${p}: data blob ${c} is not in the index`);
          }
        }
      }
    }
  };
  for (const s of snapshots) {
    if (typeof s.tree !== 'string' || !/^[0-9a-f]{64}$/.test(s.tree)) report.errors.push(`snapshot ${s.id}: no tree id`);
    else await walk(s.tree, '/');
  }

  if (opts.readData) {
    let done = 0;
    const ids = [...listed.keys()];
    await mapLimit(ids, 2, async (id) => {
      await readPack(repo, id, listed.get(id)!, packsInIndex.get(id), report);
      opts.onProgress?.({ phase: 'read data', done: ++done, total: ids.length });
    });
    if (report.damaged.length) await findUsers(repo, snapshots, report.damaged);
  }
  return report;
}

async function readPack(repo: Repository, id: string, size: number, indexed: IndexPack | undefined, report: CheckReport): Promise<void> {
  let bytes: Buffer;
  try {
    bytes = await repo.backend.read(fileName('data', id));
  } catch (e) {
    report.errors.push(`pack ${id}: cannot be read: ${(e as Error).message}`);
    return;
  }
  if (sha256Hex(bytes) !== id) report.errors.push(`pack ${id}: content does not match its name (damaged pack)`);
  let blobs = indexed?.blobs;
  try {
    const parsed = parsePackTail(repo.key, bytes, size);
    if (Array.isArray(parsed)) blobs = parsed;
  } catch (e) {
    report.errors.push(`pack ${id}: header unreadable: ${(e as Error).message}`);
  }
  for (const b of blobs ?? []) {
    const hex = b.id.toString('hex');
    try {
      repo.decodeBlob(hex, bytes.subarray(b.offset, b.offset + b.length), b.uncompressedLength);
      report.blobsRead++;
    } catch (e) {
      report.damaged.push({ id: hex, type: b.type, pack: id, reason: (e as Error).message.replace(/^blob [0-9a-f]+: /, ''), usedBy: [] });
    }
  }
}

/** Fills in which files and directories use each damaged blob. */
async function findUsers(repo: Repository, snapshots: SnapshotInfo[], damaged: DamagedBlob[]): Promise<void> {
  const byId = new Map(damaged.map((d) => [d.id, d]));
  for (const s of snapshots) {
    const short = s.id.slice(0, 8);
    const visit = async (treeId: string, where: string): Promise<void> => {
      const d = byId.get(treeId);
      if (d) d.usedBy.push(`${short}:${where}`);
      let tree;
      try {
        tree = await repo.loadTree(treeId);
      } catch {
        return;
      }
      for (const n of tree.nodes) {
        const p = `${where === '/' ? '' : where}/${n.name}`;
        if (n.type === 'dir' && n.subtree) await visit(n.subtree, p);
        for (const c of n.content ?? []) {
          const dd = byId.get(c);
          if (dd && !dd.usedBy.includes(`${short}:${p}`)) dd.usedBy.push(`${short}:${p}`);
        }
      }
    };
    await visit(s.tree, '/');
  }
}
