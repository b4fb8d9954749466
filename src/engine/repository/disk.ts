// Node metadata from the file system, as restic records it: Go file mode, nanosecond times,
// owner ids and names, inode, device, links.
import fs from 'node:fs';
import { formatTime, goModeFromUnix, type Node, type NodeType } from './tree.ts';

let users: Map<number, string> | undefined;
let groups: Map<number, string> | undefined;

function readNames(file: string): Map<number, string> {
  const m = new Map<number, string>();
  try {
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length >= 3 && !m.has(Number(f[2]))) m.set(Number(f[2]), f[0]!);
    }
  } catch {
    // no such file: names stay empty, as restic leaves them when lookups fail
  }
  return m;
}

export function userName(uid: number): string | undefined {
  users ??= readNames('/etc/passwd');
  return users.get(uid);
}

export function groupName(gid: number): string | undefined {
  groups ??= readNames('/etc/group');
  return groups.get(gid);
}

export function nodeType(st: fs.BigIntStats): NodeType | undefined {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  if (st.isCharacterDevice()) return 'chardev';
  if (st.isBlockDevice()) return 'dev';
  return undefined;
}

/** A node for `name` from lstat's result; content, subtree and link target are the caller's. */
export function nodeFromStat(name: string, st: fs.BigIntStats): Node {
  const type = nodeType(st) ?? 'file';
  const uid = Number(st.uid);
  const gid = Number(st.gid);
  const n: Node = {
    name,
    type,
    mode: goModeFromUnix(Number(st.mode)),
    mtime: formatTime(st.mtimeNs),
    atime: formatTime(st.atimeNs),
    ctime: formatTime(st.ctimeNs),
    uid,
    gid,
    user: userName(uid),
    group: groupName(gid),
    inode: Number(st.ino),
    device_id: Number(st.dev),
    content: null,
  };
  if (type === 'file') n.size = Number(st.size);
  if (type !== 'dir') n.links = Number(st.nlink);
  if (type === 'dev' || type === 'chardev') n.device = Number(st.rdev);
  return n;
}
