import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { asUser, outsideDir, requireProgram, runAsync, spawnService, stopGroup, waitReady } from '../process.ts';
import { servicePort, type LabContext, type ServiceDef, type ServiceState } from '../service.ts';

const SUPERUSER = 'postgres';
/** The database the lab creates for sources to back up (besides `postgres`). */
export const LAB_DATABASE = 'lab';

/** `pg_isready`: whether the server accepts connections on 127.0.0.1:port. */
export function pgReady(port: number, timeoutS = 2): Promise<boolean> {
  const program = requireProgram('postgres', 'pg_isready');
  return new Promise((resolve) => {
    execFile(program, ['-q', '-h', '127.0.0.1', '-p', String(port), '-U', SUPERUSER, '-t', String(timeoutS)], (err) => resolve(!err));
  });
}

function canWrite(ids: { uid: number; gid: number }, dir: string): boolean {
  const test = ['/usr/bin/test', '/bin/test'].find((p) => fs.existsSync(p)) ?? 'test';
  return spawnSync(test, ['-w', dir], { stdio: 'ignore', ...ids }).status === 0;
}

/**
 * Starts PostgreSQL in the foreground (so the lab owns its pid): initdb with trust auth (the lab
 * listens on loopback only), then `postgres -D ... -p PORT -k DIR`. As root it runs as the
 * `postgres` user, which refuses root; when that user cannot reach the lab folder (e.g. under a
 * 0700 /root), the data lives in a folder of its own under /tmp.
 */
export async function startPostgres(lab: LabContext, opts: { name?: string } = {}): Promise<ServiceState> {
  const name = opts.name ?? 'postgres';
  const dir = path.join(lab.dir, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const program of ['postgres', 'initdb', 'pg_isready', 'createdb']) requireProgram(name, program);
  const port = await servicePort(lab, name);
  const asRoot = process.getuid?.() === 0;
  const user = asRoot ? SUPERUSER : undefined;
  const outside: string[] = [];
  const ids = user ? (asUser(name, user) as { uid: number; gid: number }) : undefined;
  if (ids) {
    for (const d of [lab.dir, dir]) fs.chmodSync(d, fs.statSync(d).mode | 0o011);
    fs.chownSync(dir, ids.uid, ids.gid);
  }
  let home = dir;
  const tooLong = path.join(dir, `.s.PGSQL.${port}.lock`).length > 100;
  if (tooLong || (ids && !canWrite(ids, dir))) {
    home = outsideDir(lab.dir, name);
    fs.rmSync(home, { recursive: true, force: true });
    fs.mkdirSync(home, { mode: 0o700 });
    if (ids) fs.chownSync(home, ids.uid, ids.gid);
    outside.push(home);
  }
  const dataDir = path.join(home, 'data');
  if (home !== dir) fs.symlinkSync(dataDir, path.join(dir, 'data'));
  await runAsync(name, 'initdb', ['-D', dataDir, '-A', 'trust', '-U', SUPERUSER, '-E', 'UTF8', '--locale=C', '-N', '--no-instructions'], { user });
  const log = path.join(dir, 'postgres.log');
  const spawned = spawnService({
    service: name,
    program: 'postgres',
    args: [
      '-D', dataDir,
      '-p', String(port),
      '-k', home,
      '-c', 'listen_addresses=127.0.0.1',
      // A lab, not a bank: no waiting on the disk.
      '-c', 'fsync=off',
      '-c', 'synchronous_commit=off',
      '-c', 'full_page_writes=off',
      '-c', 'max_connections=40',
    ],
    logFile: log,
    user,
    owner: lab.owner,
  });
  await waitReady(name, spawned, log, () => pgReady(port));
  await runAsync(name, 'createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', SUPERUSER, LAB_DATABASE]);
  return {
    name,
    pid: spawned.pid,
    port,
    address: `postgresql://${SUPERUSER}@127.0.0.1:${port}/${LAB_DATABASE}`,
    dir,
    log,
    extra: { user: SUPERUSER, database: LAB_DATABASE, dataDir, socketDir: home },
    outside,
  };
}

/** Fast shutdown (SIGINT): open connections do not hold the lab's stop. */
export async function stopPostgres(state: ServiceState): Promise<void> {
  try {
    process.kill(-state.pid, 'SIGINT');
  } catch {
    return;
  }
  await stopGroup(state.pid, 10_000);
}

export const postgresService: ServiceDef = {
  name: 'postgres',
  start: (lab) => startPostgres(lab),
  health: (state) => pgReady(state.port),
  stop: stopPostgres,
};
