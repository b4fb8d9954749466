import { execFile, spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** A lab service that could not start; the message names the service, the reason and the fix. */
export class LabError extends Error {}

/** Debian package that provides each program, for the "how to fix" half of an error. */
const PACKAGE_OF: Record<string, string> = {
  etcd: 'etcd-server',
  etcdctl: 'etcd-client',
  dockerd: 'docker.io',
  'docker-registry': 'docker-registry',
  prometheus: 'prometheus',
  postgres: 'postgresql',
  initdb: 'postgresql',
  pg_isready: 'postgresql-client',
  createdb: 'postgresql-client',
  psql: 'postgresql-client',
  openssl: 'openssl',
  restic: 'restic',
  skopeo: 'skopeo',
  busybox: 'busybox-static',
  tar: 'tar',
  mariadbd: 'mariadb-server',
  'mariadb-install-db': 'mariadb-server',
  mariadb: 'mariadb-client',
  'mariadb-admin': 'mariadb-client',
  'mariadb-dump': 'mariadb-client',
  'redis-server': 'redis-server',
  'redis-cli': 'redis-tools',
};

/** PostgreSQL's server programs (initdb, postgres) live off PATH on Debian; newest version first. */
function postgresBinDirs(): string[] {
  try {
    return fs
      .readdirSync('/usr/lib/postgresql')
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a))
      .map((v) => `/usr/lib/postgresql/${v}/bin`);
  } catch {
    return [];
  }
}

/** Finds a program on PATH (or an absolute path); undefined if it is not installed. */
export function which(program: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (program.includes('/')) return fs.existsSync(program) ? program : undefined;
  for (const dir of (env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin'], postgresBinDirs())) {
    if (!dir) continue;
    const candidate = path.join(dir, program);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      /* next */
    }
  }
  return undefined;
}

export function requireProgram(service: string, program: string): string {
  const found = which(program);
  if (!found) {
    const pkg = PACKAGE_OF[path.basename(program)];
    throw new LabError(
      `${service}: program '${program}' is not installed${pkg ? `: install it with 'apt-get install ${pkg}'` : ''}`,
    );
  }
  return found;
}

const handedOut = new Set<number>();

function kernelPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A free TCP port on 127.0.0.1 (the kernel picks it). Never the same port twice in one process,
 * so services started in parallel do not race for one port.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await kernelPort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

/** Fails with a clear line when a port asked for is taken. */
export async function ensurePortFree(service: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', () =>
      reject(new LabError(`${service}: port ${port} on 127.0.0.1 is taken: stop what listens there, or leave the port to the lab`)),
    );
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}

export async function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Whether an HTTP GET answers 2xx within the timeout. */
export async function httpOk(url: string, timeoutMs = 2000): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * A folder outside the lab for what needs a short path (unix sockets are limited to 108 bytes)
 * or a path another user can reach; named after the lab folder so each lab has its own.
 */
export function outsideDir(labDir: string, tag: string): string {
  const hash = crypto.createHash('sha256').update(path.resolve(labDir)).digest('hex').slice(0, 10);
  return path.join('/tmp', `lifeboat-${tag}-${hash}`);
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface SpawnSpec {
  /** Service name, for errors. */
  service: string;
  program: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  logFile: string;
  /** Run as this user (root only), e.g. PostgreSQL refuses to run as root. */
  user?: string;
  /**
   * Pid whose death must stop the service (tests, `lab` in the foreground). Undefined for a lab
   * that outlives the command (`lifeboat lab up`).
   */
  owner?: number;
}

export interface Spawned {
  pid: number;
  /** Whether the process is still running; false once it has exited. */
  running(): boolean;
  /** Exit code or signal once it has exited. */
  exit?: { code: number | null; signal: NodeJS.Signals | null };
}

/** A system user's ids, from /etc/passwd; undefined when there is no such user. */
export function userIds(name: string): { uid: number; gid: number } | undefined {
  for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const f = line.split(':');
    if (f[0] === name) return { uid: Number(f[2]), gid: Number(f[3]) };
  }
  return undefined;
}

/**
 * Spawn options that run a program as `user` when we are root (PostgreSQL refuses root): the
 * program itself switches (no runuser in between, so its pid is the service's, and a stop
 * is not held up by a wrapper). Not root: runs as ourselves.
 */
export function asUser(service: string, user: string | undefined): { uid?: number; gid?: number } {
  if (!user || process.getuid?.() !== 0) return {};
  const ids = userIds(user);
  if (!ids) throw new LabError(`${service}: there is no '${user}' user to run it as: create it (for PostgreSQL: 'apt-get install postgresql')`);
  return ids;
}

/**
 * Starts a service in its own process group (so stopping it stops its children too), with its
 * output in a log file. With an owner, a small watchdog stops the group when the owner dies, so
 * no service outlives a killed test run.
 */
export function spawnService(spec: SpawnSpec): Spawned {
  const program = requireProgram(spec.service, spec.program);
  fs.mkdirSync(path.dirname(spec.logFile), { recursive: true });
  const log = fs.openSync(spec.logFile, 'a');
  const child = spawn(program, spec.args, {
    cwd: spec.cwd,
    env: spec.env ?? process.env,
    detached: true,
    stdio: ['ignore', log, log],
    ...asUser(spec.service, spec.user),
  });
  fs.closeSync(log);
  const result: Spawned = {
    pid: child.pid ?? -1,
    running: () => result.exit === undefined,
  };
  child.on('error', (e) => {
    result.exit = { code: -1, signal: null };
    fs.appendFileSync(spec.logFile, `spawn failed: ${e.message}\n`);
  });
  child.on('exit', (code, signal) => {
    result.exit = { code, signal };
  });
  child.unref();
  if (spec.owner !== undefined && child.pid) startWatchdog(spec.owner, child.pid);
  return result;
}

/** A detached shell that stops process group `pgid` once `owner` has died. */
export function startWatchdog(owner: number, pgid: number): void {
  const script = `while kill -0 ${owner} 2>/dev/null && kill -0 -${pgid} 2>/dev/null; do sleep 0.5; done; ` +
    `kill -TERM -${pgid} 2>/dev/null; i=0; while kill -0 -${pgid} 2>/dev/null && [ $i -lt 20 ]; do sleep 0.5; i=$((i+1)); done; ` +
    `kill -KILL -${pgid} 2>/dev/null`;
  const dog = spawn('/bin/sh', ['-c', script], { detached: true, stdio: 'ignore' });
  dog.unref();
}

/** The last lines of a log, to say why a service did not start. */
export function logTail(file: string, lines = 3): string {
  try {
    const text = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    return text.slice(-lines).join(' | ').slice(0, 400);
  } catch {
    return '';
  }
}

/**
 * Waits until `ready()` says yes; fails early when the process exits, and names the log.
 */
export async function waitReady(
  service: string,
  spawned: Spawned | undefined,
  logFile: string,
  ready: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (spawned && !spawned.running()) {
      const why = spawned.exit?.signal ? `signal ${spawned.exit.signal}` : `code ${spawned.exit?.code}`;
      throw new LabError(`${service} exited during start (${why}): ${logTail(logFile)} (log: ${logFile})`);
    }
    try {
      if (await ready()) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) {
      throw new LabError(`${service} was not ready after ${Math.round(timeoutMs / 1000)} s: ${logTail(logFile)} (log: ${logFile})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Stops a process group: SIGTERM, then SIGKILL after `graceMs`. Resolves once it is gone. */
export async function stopGroup(pgid: number, graceMs = 10_000): Promise<void> {
  const alive = () => {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  try {
    process.kill(-pgid, 'SIGTERM');
  } catch {
    /* gone */
  }
  const deadline = Date.now() + graceMs;
  while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive()) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      /* gone */
    }
    while (alive()) await new Promise((r) => setTimeout(r, 50));
  }
}

/** This process and its parents: never the target of a sweep (a shell may name the lab folder). */
function ancestors(): Set<number> {
  const out = new Set<number>([process.pid]);
  let pid = process.ppid;
  while (pid > 1 && !out.has(pid)) {
    out.add(pid);
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      break;
    }
  }
  return out;
}

/** Pids of processes whose command line names `dir` (as a whole path, not a prefix of another). */
export function processesNaming(dir: string): number[] {
  const pattern = new RegExp(dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + `(?=$|[/\\s'"=:,;])`);
  const skip = ancestors();
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (skip.has(pid)) continue;
    let cmdline: string;
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trimEnd();
    } catch {
      continue;
    }
    if (pattern.test(cmdline)) found.push(pid);
  }
  return found;
}

/**
 * Kills any process whose command line names `dir` (e.g. a containerd-shim that left dockerd's
 * process group). The lab's folder is unique to it, so this touches nothing else.
 */
export function killStragglers(dir: string): number[] {
  const killed: number[] = [];
  for (const pid of processesNaming(dir)) {
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      /* gone */
    }
  }
  return killed;
}

/**
 * Unmounts whatever is mounted at or below `dir` (dockerd bind-mounts its data root onto itself
 * and leaves it mounted when it dies before its shutdown), deepest first. Returns the mount points.
 */
export function unmountUnder(dir: string): string[] {
  let lines: string[];
  try {
    lines = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  } catch {
    return [];
  }
  const decode = (p: string) => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  const points = lines
    .map((l) => l.split(' ')[4])
    .filter((p): p is string => p !== undefined)
    .map(decode)
    .filter((p) => p === dir || p.startsWith(dir + '/'))
    .sort((a, b) => b.length - a.length);
  const umount = ['/usr/bin/umount', '/bin/umount'].find((p) => fs.existsSync(p)) ?? which('umount') ?? 'umount';
  for (const point of [...new Set(points)]) spawnSync(umount, ['-l', point], { stdio: 'ignore' });
  return points;
}

/** Runs a program to completion (for setup steps such as initdb or openssl). */
export function runSync(service: string, program: string, args: string[], opts: { cwd?: string; user?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): string {
  const found = requireProgram(service, program);
  const r = spawnSync(found, args, { cwd: opts.cwd, env: opts.env ?? process.env, encoding: 'utf8', input: opts.input, ...asUser(service, opts.user) });
  if (r.status !== 0) {
    const why = (r.stderr || r.stdout || r.error?.message || '').trim().split('\n').slice(-2).join(' | ');
    throw new LabError(`${service}: '${path.basename(program)} ${args.join(' ')}' failed: ${why}`);
  }
  return r.stdout;
}

/**
 * runSync without blocking: the lab starts its services side by side in one process, and a
 * synchronous initdb would hold every other service's start (measured: etcd spawned 4 s late).
 */
export function runAsync(service: string, program: string, args: string[], opts: { cwd?: string; user?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const found = requireProgram(service, program);
  return new Promise((resolve, reject) => {
    execFile(found, args, { cwd: opts.cwd, env: opts.env ?? process.env, encoding: 'utf8', maxBuffer: 16 << 20, ...asUser(service, opts.user) }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const why = (stderr || stdout || err.message || '').trim().split('\n').slice(-2).join(' | ');
      reject(new LabError(`${service}: '${path.basename(program)} ${args.join(' ')}' failed: ${why}`));
    });
  });
}

/**
 * The command line of one of the lab's own programs (`lab/kube-apiserver/main`...): the compiled
 * JavaScript when lifeboat runs from dist/ (tsx would compile the sources at every start, about
 * 2 s each on a busy machine), else the TypeScript source through bin/run-ts.js.
 */
export function labProgram(entry: string): string[] {
  const here = path.dirname(new URL(import.meta.url).pathname);
  if (import.meta.url.endsWith('.js')) return [process.execPath, path.join(here, `${entry.replace(/^lab\//, '')}.js`)];
  const root = path.resolve(here, '..', '..');
  return [process.execPath, path.join(root, 'bin', 'run-ts.js'), path.join(root, 'src', `${entry}.ts`)];
}

