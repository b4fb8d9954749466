// Snapshot files (snapshots/ID): which tree, when, from which host and paths, with which tags.
// Fields in the order of restic's Go struct, empty ones left out as restic leaves them out.
import { parseTime } from './tree.ts';

export interface Snapshot {
  time: string;
  parent?: string;
  tree: string;
  paths: string[];
  hostname?: string;
  username?: string;
  uid?: number;
  gid?: number;
  excludes?: string[];
  tags?: string[];
  original?: string;
}

/** A snapshot with its id (the SHA-256 of its file). */
export interface SnapshotInfo extends Snapshot {
  id: string;
}

export function encodeSnapshot(s: Snapshot): Buffer {
  const o: Record<string, unknown> = { time: s.time };
  if (s.parent) o.parent = s.parent;
  o.tree = s.tree;
  o.paths = s.paths;
  if (s.hostname) o.hostname = s.hostname;
  if (s.username) o.username = s.username;
  if (s.uid) o.uid = s.uid;
  if (s.gid) o.gid = s.gid;
  if (s.excludes?.length) o.excludes = s.excludes;
  if (s.tags?.length) o.tags = s.tags;
  if (s.original) o.original = s.original;
  return Buffer.from(JSON.stringify(o));
}

export function snapshotTimeMs(s: Snapshot): number {
  return Number(parseTime(s.time) / 1_000_000n);
}

/** Newest first. */
export function sortSnapshots(list: SnapshotInfo[]): SnapshotInfo[] {
  return list.sort((a, b) => snapshotTimeMs(b) - snapshotTimeMs(a) || (a.id < b.id ? -1 : 1));
}
