// A generator of crafted snapshots, written in restic's format directly: tree blobs are JSON text
// made here (so names with "/", "..", empty names and names twice in one folder get through, as
// they would from an attacker who can write to the bucket), sealed with the repository's key,
// packed, indexed and named by a snapshot file. Nothing of lifeboat's writer is used, so nothing
// sanitises what the tests feed to restore, check and restic.
import crypto from 'node:crypto';
import { fileName } from '../../src/engine/repository/backend/backend.ts';
import { seal, sha256, sha256Hex } from '../../src/engine/repository/crypto.ts';
import { encodeIndexFile } from '../../src/engine/repository/master-index.ts';
import { PackBuilder } from '../../src/engine/repository/pack.ts';
import type { Repository } from '../../src/engine/repository/repository.ts';
import { GO_MODE } from '../../src/engine/repository/tree.ts';

export type Hostile =
  | { type: 'dir'; name: string; mode?: number; mtime?: string; uid?: number; gid?: number; children: Hostile[] }
  | { type: 'file'; name: string; mode?: number; mtime?: string; data: string | Buffer; size?: number }
  | { type: 'symlink'; name: string; target: string; mtime?: string }
  | { type: string; name: string; [k: string]: unknown };

export const dir = (name: string, children: Hostile[], extra: { mode?: number; mtime?: string } = {}): Hostile => ({ type: 'dir', name, children, ...extra });
export const file = (name: string, data: string | Buffer, extra: { mode?: number; mtime?: string; size?: number } = {}): Hostile => ({ type: 'file', name, data, ...extra });
export const link = (name: string, target: string): Hostile => ({ type: 'symlink', name, target });

/** Unix permission bits (with 04000, 02000, 01000) as Go's os.FileMode, plus the type bit. */
export function goMode(type: string, perm: number): number {
  let m = perm & 0o777;
  if (perm & 0o4000) m |= GO_MODE.setuid;
  if (perm & 0o2000) m |= GO_MODE.setgid;
  if (perm & 0o1000) m |= GO_MODE.sticky;
  if (type === 'dir') m |= GO_MODE.dir;
  if (type === 'symlink') m |= GO_MODE.symlink;
  return m >>> 0;
}

const T = '2024-01-01T00:00:00Z';

export class HostileSnapshot {
  private pack = new PackBuilder();
  private packs: { id: string; blobs: ReturnType<PackBuilder['finish']>['blobs'] }[] = [];

  constructor(private repo: Repository) {}

  private seen = new Set<string>();

  private blob(type: 'data' | 'tree', plain: Buffer): string {
    const id = sha256(plain);
    if (this.seen.has(id.toString('hex'))) return id.toString('hex');
    this.seen.add(id.toString('hex'));
    this.pack.add(id, type, seal(this.repo.key, plain), 0);
    return id.toString('hex');
  }

  /** The tree blob of `nodes`, in the order given (not sorted, not checked); returns its id. */
  tree(nodes: Hostile[]): string {
    const json = nodes.map((n) => {
      const o: Record<string, unknown> = { name: n.name, type: n.type };
      const mode = (n as { mode?: number }).mode;
      o.mode = goMode(n.type, mode ?? (n.type === 'dir' ? 0o755 : 0o644));
      const mtime = (n as { mtime?: string }).mtime ?? T;
      Object.assign(o, { mtime, atime: mtime, ctime: mtime, uid: (n as { uid?: number }).uid ?? process.getuid!(), gid: (n as { gid?: number }).gid ?? process.getgid!() });
      if (n.type === 'file') {
        const f = n as { data: string | Buffer; size?: number };
        const data = Buffer.from(f.data);
        o.size = f.size ?? data.length;
        o.content = data.length ? [this.blob('data', data)] : [];
      } else if (n.type === 'dir') {
        o.content = null;
        o.subtree = this.tree((n as { children: Hostile[] }).children);
      } else if (n.type === 'symlink') {
        o.linktarget = (n as { target: string }).target;
        o.content = null;
      } else {
        for (const [k, v] of Object.entries(n)) if (!(k in o)) o[k] = v;
      }
      return o;
    });
    return this.blob('tree', Buffer.from(JSON.stringify({ nodes: json }) + '\n'));
  }

  /** A tree blob from raw bytes (anything at all), for trees that do not even decode. */
  rawTree(bytes: Buffer): string {
    return this.blob('tree', bytes);
  }

  /** Writes the pack, its index and a snapshot of `treeId`; returns the snapshot id. */
  async commit(treeId: string, opts: { paths?: string[]; hostname?: string; tags?: string[]; time?: string } = {}): Promise<string> {
    if (this.pack.count) {
      const { id, bytes, blobs } = this.pack.finish(this.repo.key);
      await this.repo.backend.write(fileName('data', id), bytes);
      this.packs.push({ id, blobs });
      this.pack = new PackBuilder();
    }
    await this.repo.saveUnpacked('index', encodeIndexFile(this.packs));
    // A repository object that loaded its index before sees these packs too.
    for (const p of this.packs) this.repo.index.addPack(p);
    this.packs = [];
    const snap = {
      time: opts.time ?? new Date().toISOString(),
      tree: treeId,
      paths: opts.paths ?? ['/crafted'],
      hostname: opts.hostname ?? 'crafted',
      username: 'attacker',
      ...(opts.tags ? { tags: opts.tags } : {}),
    };
    return this.repo.saveUnpacked('snapshots', Buffer.from(JSON.stringify(snap)));
  }
}

/** Writes a crafted snapshot whose root holds `nodes`; returns its id. */
export async function craftSnapshot(repo: Repository, nodes: Hostile[], opts: Parameters<HostileSnapshot['commit']>[1] = {}): Promise<string> {
  const h = new HostileSnapshot(repo);
  return h.commit(h.tree(nodes), opts);
}

export const randomName = () => crypto.randomBytes(4).toString('hex');
export { sha256Hex };
