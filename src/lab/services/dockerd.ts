import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { killStragglers, outsideDir, spawnService, stopGroup, waitReady } from '../process.ts';
import type { LabContext, ServiceDef, ServiceState } from '../service.ts';

/** GET /_ping on the engine's unix socket. */
export function dockerPing(socket: string, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ socketPath: socket, path: '/_ping', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/** The cgroup parent of the lab's containers: one per lab, so none can be missed at stop. */
export function cgroupParentOf(labDir: string, name = 'dockerd'): string {
  return '/' + path.basename(outsideDir(labDir, name));
}

/** Every cgroup folder (v1 controllers, and v2) that holds the lab's containers. */
function cgroupDirs(parent: string): string[] {
  const root = '/sys/fs/cgroup';
  const dirs = [path.join(root, parent)];
  try {
    for (const controller of fs.readdirSync(root)) dirs.push(path.join(root, controller, parent));
  } catch {
    /* no cgroup fs */
  }
  return dirs.filter((d) => fs.existsSync(path.join(d, 'cgroup.procs')));
}

function subtree(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) out.push(...subtree(path.join(dir, entry.name)));
  }
  out.push(dir);
  return out; // deepest first
}

/**
 * Kills what is left of the lab's containers: a container's processes name no lab folder, but
 * they all sit under the lab's own cgroup parent. Then removes those cgroups.
 */
export function killContainerCgroups(parent: string): number[] {
  const killed: number[] = [];
  for (const top of cgroupDirs(parent)) {
    for (const dir of subtree(top)) {
      let procs: string[] = [];
      try {
        procs = fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean);
      } catch {
        continue;
      }
      for (const pid of procs) {
        try {
          process.kill(Number(pid), 'SIGKILL');
          killed.push(Number(pid));
        } catch {
          /* gone */
        }
      }
    }
  }
  return killed;
}

function removeCgroups(parent: string): void {
  for (let attempt = 0; attempt < 20; attempt++) {
    let left = false;
    for (const top of cgroupDirs(parent)) {
      for (const dir of subtree(top)) {
        try {
          fs.rmdirSync(dir);
        } catch {
          left = true;
        }
      }
    }
    if (!left) return;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  }
}

/**
 * Starts a Docker engine of its own: data, exec root, pidfile and socket in the lab, no bridge
 * and no iptables (containers run with `--network none`), the vfs storage driver, and its
 * containers under a cgroup parent of the lab's own so none can outlive it.
 */
export async function startDockerd(lab: LabContext, opts: { name?: string } = {}): Promise<ServiceState> {
  const name = opts.name ?? 'dockerd';
  const dir = path.join(lab.dir, name);
  fs.mkdirSync(dir, { recursive: true });
  const outside: string[] = [];
  // containerd puts sockets under the exec root; unix socket paths are limited to 108 bytes.
  let run = dir;
  if (path.join(dir, 'exec', 'containerd', 'containerd.sock.ttrpc').length > 100) {
    run = outsideDir(lab.dir, name);
    fs.mkdirSync(run, { recursive: true, mode: 0o700 });
    outside.push(run);
  }
  const socket = path.join(run, 'docker.sock');
  const execRoot = path.join(run, 'exec');
  const dataRoot = path.join(dir, 'data');
  const cgroupParent = cgroupParentOf(lab.dir, name);
  const configFile = path.join(dir, 'daemon.json');
  fs.writeFileSync(configFile, '{}\n'); // not the host's /etc/docker/daemon.json
  const log = path.join(dir, 'dockerd.log');
  const spawned = spawnService({
    service: name,
    program: 'dockerd',
    args: [
      '--config-file', configFile,
      '--data-root', dataRoot,
      '--exec-root', execRoot,
      '--pidfile', path.join(dir, 'dockerd.pid'),
      '--host', `unix://${socket}`,
      '--iptables=false', '--ip6tables=false', '--bridge=none',
      '--storage-driver=vfs',
      '--cgroup-parent', cgroupParent,
      '--shutdown-timeout', '2',
    ],
    logFile: log,
    owner: lab.owner,
  });
  await waitReady(name, spawned, log, () => dockerPing(socket), 60_000);
  return {
    name,
    pid: spawned.pid,
    port: 0,
    address: `unix://${socket}`,
    dir,
    log,
    extra: { socket, dataRoot, execRoot, cgroupParent },
    outside,
  };
}

/** Stops the engine (it stops its containers and containerd), then anything left of them. */
export async function stopDockerd(state: ServiceState): Promise<void> {
  await stopGroup(state.pid, 15_000);
  const execRoot = state.extra?.execRoot;
  if (execRoot) killStragglers(execRoot); // containerd and its shims
  const parent = state.extra?.cgroupParent;
  if (parent) sweepContainerCgroups(parent);
}

/** Kills any process left in the lab's container cgroups, then removes them. */
export function sweepContainerCgroups(parent: string): number[] {
  const killed = killContainerCgroups(parent);
  removeCgroups(parent);
  return killed;
}

export const dockerdService: ServiceDef = {
  name: 'dockerd',
  start: (lab) => startDockerd(lab),
  health: (state) => dockerPing(state.extra?.socket ?? state.address.replace(/^unix:\/\//, '')),
  stop: stopDockerd,
};
