// Locks in restic's format (locks/ID, sealed JSON). Readers and backups take shared locks; prune
// and forget take an exclusive one. A lock is stale when older than 30 minutes, or when it was
// made on this host by a process that no longer runs. Held locks are refreshed every 5 minutes.
import os from 'node:os';
import { RepositoryLockedError } from './errors.ts';
import { formatTime, parseTime } from './tree.ts';

export interface LockJson {
  time: string;
  exclusive: boolean;
  hostname: string;
  username: string;
  pid: number;
  uid?: number;
  gid?: number;
}

export const STALE_AFTER_MS = 30 * 60 * 1000;
export const REFRESH_EVERY_MS = 5 * 60 * 1000;

/**
 * The host a lock names. Pods on the host network share the node's hostname but not its pids,
 * so in a pod LIFEBOAT_HOSTNAME (the pod's name) keeps one pod from judging another's lock by a
 * pid it cannot see.
 */
export const lockHostname = () => process.env.LIFEBOAT_HOSTNAME || os.hostname();

export function newLock(exclusive: boolean, now = Date.now()): LockJson {
  const info = os.userInfo();
  const l: LockJson = {
    time: formatTime(BigInt(now) * 1_000_000n),
    exclusive,
    hostname: lockHostname(),
    username: info.username,
    pid: process.pid,
  };
  if (info.uid > 0) l.uid = info.uid;
  if (info.gid > 0) l.gid = info.gid;
  return l;
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** restic's rule: too old, or made on this host by a process that is gone. */
export function isStale(l: LockJson, now = Date.now()): boolean {
  const t = Number(parseTime(l.time) / 1_000_000n);
  if (now - t > STALE_AFTER_MS) return true;
  if (l.hostname !== lockHostname()) return false;
  return !processRuns(l.pid);
}

export function conflicts(mine: boolean, other: LockJson): boolean {
  return mine || other.exclusive;
}

export function lockedError(other: LockJson, id: string): RepositoryLockedError {
  const kind = other.exclusive ? 'an exclusive' : 'a';
  return new RepositoryLockedError(
    `repository is locked: ${kind} lock ${id.slice(0, 8)} held by PID ${other.pid} on ${other.hostname} since ${other.time}: wait for it to finish`,
  );
}
