// Where a service that runs as its own system user (mysql, redis) keeps its data and socket: its
// folder in the lab when that user can write there and a socket path fits in 108 bytes, else a
// folder of its own under /tmp (the lab removes it on stop). PostgreSQL has the same rule inline.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { asUser, outsideDir } from '../process.ts';
import type { LabContext } from '../service.ts';

export interface UserHome {
  /** The service's folder in the lab (its log is there). */
  dir: string;
  /** Where its data and socket live: `dir`, or a folder outside the lab. */
  home: string;
  /** The folders outside the lab it uses (for ServiceState.outside). */
  outside: string[];
  /** The user it runs as (root only), and its ids. */
  user?: string;
  ids?: { uid: number; gid: number };
}

function canWrite(ids: { uid: number; gid: number }, dir: string): boolean {
  const test = ['/usr/bin/test', '/bin/test'].find((p) => fs.existsSync(p)) ?? 'test';
  return spawnSync(test, ['-w', dir], { stdio: 'ignore', ...ids }).status === 0;
}

/** Makes the service's folder (and, when needed, the outside one) owned by `user` when we are root. */
export function userHome(lab: LabContext, name: string, user: string, socketName: string): UserHome {
  const dir = path.join(lab.dir, name);
  fs.mkdirSync(dir, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  const ids = asRoot ? (asUser(name, user) as { uid: number; gid: number }) : undefined;
  if (ids) {
    for (const d of [lab.dir, dir]) fs.chmodSync(d, fs.statSync(d).mode | 0o011);
    fs.chownSync(dir, ids.uid, ids.gid);
  }
  let home = dir;
  const outside: string[] = [];
  if (path.join(dir, socketName).length > 100 || (ids && !canWrite(ids, dir))) {
    home = outsideDir(lab.dir, name);
    fs.rmSync(home, { recursive: true, force: true });
    fs.mkdirSync(home, { mode: 0o700 });
    if (ids) fs.chownSync(home, ids.uid, ids.gid);
    outside.push(home);
  }
  return { dir, home, outside, user: ids ? user : undefined, ids };
}

/** A random password in a file only the owner can read (the lab's servers ask for one). */
export function passwordFile(file: string): string {
  if (!fs.existsSync(file)) fs.writeFileSync(file, `${crypto.randomUUID().replace(/-/g, '')}\n`, { mode: 0o600 });
  return fs.readFileSync(file, 'utf8').trim();
}
