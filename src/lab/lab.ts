// The local lab: real etcd, dockerd, a registry, Prometheus, PostgreSQL, an S3 server, MariaDB,
// Redis and the project's Kubernetes API server, each on a free loopback port in its own folder of
// the lab.
// `lifeboat lab up|down|status|env` and the tests both go through here.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import type { LifeboatConfig } from '../engine/config/schema.ts';
import { LabError, killStragglers, outsideDir, pidAlive, portOpen, stopGroup, unmountUnder } from './process.ts';
import type { LabContext, ServiceDef, ServiceState } from './service.ts';
import { cgroupParentOf, dockerdService, sweepContainerCgroups } from './services/dockerd.ts';
import { etcdService } from './services/etcd.ts';
import { KUBELET_PREFIX, kubeletService, labNodeNames } from './services/kubelet.ts';
import { kubeApiserverService } from './services/kube-apiserver.ts';
import { mariadbService } from './services/mariadb.ts';
import { postgresService } from './services/postgres.ts';
import { prometheusService } from './services/prometheus.ts';
import { redisService } from './services/redis.ts';
import { registryService } from './services/registry.ts';
import { LAB_S3_CREDENTIALS, s3Service } from './services/s3.ts';

/**
 * Every lab service, in start order; a service starts as soon as the services it `needs` are up,
 * the others in parallel. The Kubernetes API server joins here as
 * `{ name: 'kube-apiserver', needs: ['etcd'], ... }`, writing the kubeconfig at `lab.kubeconfig`.
 */
export const LAB_SERVICES: ServiceDef[] = [etcdService, kubeApiserverService, dockerdService, registryService, prometheusService, postgresService, s3Service, mariadbService, redisService];

export const STATE_FILE = 'state.json';
export const CONFIG_FILE = 'lifeboat.yaml';
export const KUBECONFIG_FILE = 'kubeconfig';

/** What `state.json` in the lab folder holds. */
export interface LabState {
  version: 1;
  dir: string;
  startedAt: string;
  /** Pid whose death stops the lab (tests); absent for `lifeboat lab up`. */
  owner?: number;
  /** The watcher that stops the lab when its owner dies. */
  reaper?: number;
  /** True once every service asked for is up. */
  complete: boolean;
  kubeconfig: string;
  config: string;
  services: ServiceState[];
}

export interface StartLabOptions {
  /** The lab folder; default a new temporary folder, removed again by `stop()`. */
  dir?: string;
  /** Pid whose death stops the lab, even on SIGKILL (tests pass process.pid). */
  owner?: number;
  /** Names of the services to start (their `needs` come along); default all. */
  services?: string[];
  /** Ports asked for, by service name (a taken one is an error naming the service); else free ones. */
  ports?: Record<string, number>;
  /** Service definitions to choose from; default LAB_SERVICES. */
  defs?: ServiceDef[];
  /**
   * Lab nodes, each with a kubelet running its pods on the lab's dockerd (lab-node-1..N);
   * `lifeboat lab up` asks for 1. Without it, the API server's stand-in marks pods Running.
   */
  nodes?: number;
  /** Called as each service starts and becomes ready. */
  onProgress?(event: { service: string; phase: 'starting' | 'ready'; ms: number }): void;
}

/** A running lab, as `startLab` hands it back. */
export interface Lab {
  dir: string;
  /** States of the started services, by name. */
  services: Record<string, ServiceState>;
  state: LabState;
  /** The lab's lifeboat.yaml, pointing at its services. */
  configFile: string;
  /** Where the lab's kubeconfig is (written by the API server service, when there is one). */
  kubeconfig: string;
  /** Environment variables for clients: DOCKER_HOST, ETCDCTL_ENDPOINTS, PGHOST... */
  env: Record<string, string>;
  /** Stops every service and leaves no process behind; removes a temporary lab folder. */
  stop(): Promise<StopReport>;
}

export interface StopReport {
  /** Services that were stopped. */
  stopped: string[];
  /** Pids of processes still naming the lab that had to be killed after the services stopped. */
  stragglers: number[];
  /** Ports still listening after the stop (should be none). */
  openPorts: number[];
}

export interface ServiceStatus {
  name: string;
  healthy: boolean;
  address: string;
  pid: number;
  log: string;
}

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

export function readLabState(dir: string): LabState | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, STATE_FILE), 'utf8')) as LabState;
  } catch {
    return undefined;
  }
}

/** The definition of a started service: kubelets are made per node, so they are found by name. */
function defFor(defs: ServiceDef[], name: string): ServiceDef | undefined {
  return defs.find((d) => d.name === name) ?? (name.startsWith(KUBELET_PREFIX) ? kubeletService(name.slice(KUBELET_PREFIX.length)) : undefined);
}

/** Orders the asked-for services with everything they need, dependencies first. */
function resolveServices(defs: ServiceDef[], names?: string[]): ServiceDef[] {
  const byName = new Map(defs.map((d) => [d.name, d]));
  const chosen = new Set<string>();
  const add = (name: string, from?: string) => {
    const def = byName.get(name);
    if (!def) {
      const known = defs.map((d) => d.name).join(', ');
      throw new LabError(`${from ? `${from} needs ` : ''}unknown lab service '${name}': the lab has ${known}`);
    }
    if (chosen.has(name)) return;
    chosen.add(name);
    for (const need of def.needs ?? []) add(need, name);
  };
  for (const name of names ?? defs.map((d) => d.name)) add(name);
  return defs.filter((d) => chosen.has(d.name));
}

/** Whether `pid` still is the lab's process (and not a stranger that got its pid later). */
function ownedBy(state: LabState, service: ServiceState): boolean {
  if (!service.pid || service.pid <= 0 || !pidAlive(service.pid)) return false;
  try {
    const cmdline = fs.readFileSync(`/proc/${service.pid}/cmdline`, 'utf8');
    return [state.dir, ...(service.outside ?? [])].some((d) => cmdline.includes(d));
  } catch {
    return false;
  }
}

/** Starts the watcher that stops the lab once `owner` dies (a detached node process). */
function startReaper(dir: string, owner: number): number {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const runTs = path.resolve(here, '..', '..', 'bin', 'run-ts.js');
  const log = fs.openSync(path.join(dir, 'reaper.log'), 'a');
  const child = spawn(process.execPath, [runTs, path.join(here, import.meta.url.endsWith('.js') ? 'reaper.js' : 'reaper.ts'), String(owner), dir], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  child.unref();
  return child.pid ?? 0;
}

/**
 * Starts a lab: each service in its own folder of `dir`, in parallel where they do not depend
 * on each other; writes state.json (after each service, so a half-started lab can still be
 * stopped), the lab's lifeboat.yaml, and leaves the kubeconfig slot to the API server. If any
 * service fails, the others are stopped and the error names each failed service.
 */
export async function startLab(opts: StartLabOptions = {}): Promise<Lab> {
  const t0 = Date.now();
  const nodes = opts.nodes ? labNodeNames(opts.nodes) : undefined;
  const kubelets = (nodes ?? []).map(kubeletService);
  const defs = [...(opts.defs ?? LAB_SERVICES), ...kubelets];
  const chosen = resolveServices(defs, opts.services && [...opts.services, ...kubelets.map((k) => k.name)]);
  const temporary = opts.dir === undefined;
  const dir = temporary ? fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-lab-')) : path.resolve(opts.dir!);
  fs.mkdirSync(dir, { recursive: true });

  const previous = readLabState(dir);
  if (previous) {
    if (previous.services.some((s) => ownedBy(previous, s))) {
      throw new LabError(`lab: a lab already runs in ${dir}: stop it first with 'lifeboat lab down --dir ${dir}'`);
    }
    await stopLab(dir, defs); // what is left of a crashed lab
  }
  for (const def of chosen) fs.rmSync(path.join(dir, def.name), { recursive: true, force: true });
  for (const f of [KUBECONFIG_FILE, CONFIG_FILE, 'reaper.log']) fs.rmSync(path.join(dir, f), { force: true });

  const state: LabState = {
    version: 1,
    dir,
    startedAt: new Date().toISOString(),
    owner: opts.owner,
    complete: false,
    kubeconfig: path.join(dir, KUBECONFIG_FILE),
    config: path.join(dir, CONFIG_FILE),
    services: [],
  };
  const save = () => writeAtomic(path.join(dir, STATE_FILE), JSON.stringify(state, null, 2) + '\n');
  save();
  if (opts.owner !== undefined) {
    state.reaper = startReaper(dir, opts.owner);
    save();
  }

  const ctx: LabContext = { dir, owner: opts.owner, started: new Map(), kubeconfig: state.kubeconfig, ports: opts.ports, nodes };
  const starts = new Map<string, Promise<ServiceState>>();
  const byName = new Map(chosen.map((d) => [d.name, d]));
  const startOne = (def: ServiceDef): Promise<ServiceState> => {
    let p = starts.get(def.name);
    if (!p) {
      p = (async () => {
        await Promise.all((def.needs ?? []).map((n) => startOne(byName.get(n)!)));
        opts.onProgress?.({ service: def.name, phase: 'starting', ms: Date.now() - t0 });
        const started = await def.start(ctx);
        ctx.started.set(def.name, started);
        state.services.push(started);
        save();
        opts.onProgress?.({ service: def.name, phase: 'ready', ms: Date.now() - t0 });
        return started;
      })();
      starts.set(def.name, p);
    }
    return p;
  };
  const results = await Promise.allSettled(chosen.map(startOne));
  const failures = [...new Set(results.flatMap((r) => (r.status === 'rejected' ? [errorLine(r.reason)] : [])))];
  if (failures.length) {
    await stopLab(dir, defs).catch(() => undefined);
    if (temporary) fs.rmSync(dir, { recursive: true, force: true });
    throw new LabError(failures.join('\n'));
  }
  // Keep the order of the definitions, not the order they happened to become ready in.
  state.services.sort((a, b) => chosen.findIndex((d) => d.name === a.name) - chosen.findIndex((d) => d.name === b.name));
  await ensureLabRepository(dir);
  state.complete = true;
  writeAtomic(state.config, labConfigYaml(state));
  save();

  let stopped: Promise<StopReport> | undefined;
  return {
    dir,
    services: Object.fromEntries(state.services.map((s) => [s.name, s])),
    state,
    configFile: state.config,
    kubeconfig: state.kubeconfig,
    env: labEnv(state),
    stop() {
      stopped ??= stopLab(dir, defs).then((report) => {
        if (temporary) fs.rmSync(dir, { recursive: true, force: true });
        return report;
      });
      return stopped;
    },
  };
}

function errorLine(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Stops the lab in `dir`: every service (its own stop, else SIGTERM to its process group, then
 * SIGKILL), then any process still naming the lab folder or its outside folders, and the
 * containers' cgroups; checks that no port is left listening; removes state.json.
 * Does nothing when there is no lab there.
 */
export async function stopLab(dir: string, defs: ServiceDef[] = LAB_SERVICES): Promise<StopReport> {
  dir = path.resolve(dir);
  const state = readLabState(dir);
  const report: StopReport = { stopped: [], stragglers: [], openPorts: [] };
  if (!state) return report;
  if (state.reaper && state.reaper !== process.pid && pidAlive(state.reaper)) {
    try {
      process.kill(state.reaper, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  await Promise.all(
    state.services.map(async (s) => {
      if (!ownedBy(state, s)) return;
      const def = defFor(defs, s.name);
      if (def?.stop) await def.stop(s);
      else await stopGroup(s.pid);
      report.stopped.push(s.name);
    }),
  );
  // They stop at once; the report names them in the lab's order, not in the order they finished.
  const order = state.services.map((s) => s.name);
  report.stopped.sort((a, b) => order.indexOf(a) - order.indexOf(b));
  const outside = [...new Set([...state.services.flatMap((s) => s.outside ?? []), ...defs.map((d) => outsideDir(dir, d.name))])];
  for (const d of [dir, ...outside]) report.stragglers.push(...killStragglers(d));
  report.stragglers.push(...sweepContainerCgroups(cgroupParentOf(dir)));
  for (const d of [dir, ...outside]) unmountUnder(d);
  for (const d of outside) fs.rmSync(d, { recursive: true, force: true });
  const ports = state.services.map((s) => s.port).filter((p) => p > 0);
  const deadline = Date.now() + 5000;
  for (const port of ports) {
    while ((await portOpen(port)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  }
  for (const port of ports) if (await portOpen(port)) report.openPorts.push(port);
  fs.rmSync(path.join(dir, STATE_FILE), { force: true });
  fs.rmSync(path.join(dir, CONFIG_FILE), { force: true });
  return report;
}

/** Each service of the lab in `dir` with its health; undefined when no lab was started there. */
export async function labStatus(dir: string, defs: ServiceDef[] = LAB_SERVICES): Promise<ServiceStatus[] | undefined> {
  const state = readLabState(path.resolve(dir));
  if (!state) return undefined;
  return Promise.all(
    state.services.map(async (s) => {
      const def = defFor(defs, s.name);
      const healthy = ownedBy(state, s) && def !== undefined && (await def.health(s).catch(() => false));
      return { name: s.name, healthy, address: s.address, pid: s.pid, log: s.log };
    }),
  );
}

/** Client environment for the lab: the variables the real tools read. */
export function labEnv(state: LabState): Record<string, string> {
  const env: Record<string, string> = {};
  const svc = (name: string) => state.services.find((s) => s.name === name);
  const docker = svc('dockerd');
  if (docker) env.DOCKER_HOST = docker.address;
  const etcd = svc('etcd');
  if (etcd) {
    env.ETCDCTL_API = '3';
    env.ETCDCTL_ENDPOINTS = etcd.address;
  }
  if (fs.existsSync(state.kubeconfig)) env.KUBECONFIG = state.kubeconfig;
  const pg = svc('postgres');
  if (pg) {
    env.PGHOST = '127.0.0.1';
    env.PGPORT = String(pg.port);
    env.PGUSER = pg.extra?.user ?? 'postgres';
    env.PGDATABASE = pg.extra?.database ?? 'postgres';
  }
  const s3 = svc('s3');
  if (s3) {
    env.AWS_ENDPOINT_URL_S3 = s3.address;
    env.AWS_ACCESS_KEY_ID = LAB_S3_CREDENTIALS.accessKeyId;
    env.AWS_SECRET_ACCESS_KEY = LAB_S3_CREDENTIALS.secretAccessKey;
  }
  const mariadb = svc('mariadb');
  if (mariadb) {
    env.MYSQL_HOST = '127.0.0.1';
    env.MYSQL_TCP_PORT = String(mariadb.port);
  }

  if (state.complete) env.LIFEBOAT_CONFIG = state.config;
  return env;
}

/** `export NAME='value'` lines, for `eval "$(lifeboat lab env)"`. */
export function exportLines(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([k, v]) => `export ${k}='${v.replace(/'/g, `'\\''`)}'`)
    .join('\n');
}

/** The lab's lifeboat.yaml: every source pointing at the lab's services. */
export const REPOSITORY_DIR = 'repository';
export const REPOSITORY_PASSWORD_FILE = 'repository-password';

/**
 * The lab's own backup repository, made once and kept across restarts, so lifeboat can back up
 * the lab with no flags. Its password is a random one in a file only the owner can read.
 */
async function ensureLabRepository(dir: string): Promise<void> {
  const repo = path.join(dir, REPOSITORY_DIR);
  const passwordFile = path.join(dir, REPOSITORY_PASSWORD_FILE);
  if (fs.existsSync(path.join(repo, 'config'))) return;
  if (!fs.existsSync(passwordFile)) fs.writeFileSync(passwordFile, crypto.randomBytes(18).toString('base64url') + '\n', { mode: 0o600 });
  const { Repository } = await import('../engine/repository/repository.ts');
  const { openBackend } = await import('../engine/repository/backend/location.ts');
  const created = await Repository.init(openBackend(repo), fs.readFileSync(passwordFile, 'utf8').trim());
  await created.close();
}

export function labConfig(state: LabState): LifeboatConfig {
  const config: LifeboatConfig = {};
  config.repository = { url: path.join(state.dir, REPOSITORY_DIR), passwordFile: path.join(state.dir, REPOSITORY_PASSWORD_FILE) };
  const svc = (name: string) => state.services.find((s) => s.name === name);
  if (svc('kube-apiserver') || fs.existsSync(state.kubeconfig)) config.cluster = { kubeconfig: state.kubeconfig };
  const docker = svc('dockerd');
  if (docker) config.docker = { host: docker.address };
  const etcd = svc('etcd');
  if (etcd) config.etcd = { endpoints: [etcd.address] };
  const registry = svc('registry');
  if (registry) config.registries = [{ url: registry.address }];
  const prometheus = svc('prometheus');
  if (prometheus) {
    config.prometheus = [{ url: prometheus.address, ruleFiles: prometheus.extra?.rules ? [prometheus.extra.rules] : [] }];
  }
  const pg = svc('postgres');
  if (pg) {
    config.databases = [
      { name: 'lab', kind: 'postgresql', host: '127.0.0.1', port: pg.port, user: pg.extra?.user ?? 'postgres', database: pg.extra?.database ?? 'postgres' },
    ];
  }
  const mariadb = svc('mariadb');
  if (mariadb) {
    config.mariadb = [{ name: 'lab', host: '127.0.0.1', port: mariadb.port, user: mariadb.extra?.user, passwordFile: mariadb.extra?.passwordFile }];
  }
  const redis = svc('redis');
  if (redis) config.redis = [{ name: 'lab', host: '127.0.0.1', port: redis.port, passwordFile: redis.extra?.passwordFile }];
  const s3 = svc('s3');
  if (s3) {
    // The application's bucket; the lab's S3 credentials are s3rver's fixed, public ones.
    const secret = path.join(s3.dir, 'secret-access-key');
    if (!fs.existsSync(secret)) fs.writeFileSync(secret, `${LAB_S3_CREDENTIALS.secretAccessKey}\n`, { mode: 0o600 });
    config.buckets = [{ name: 'app-data', endpoint: s3.address, bucket: 'app-data', accessKeyId: LAB_S3_CREDENTIALS.accessKeyId, secretAccessKeyFile: secret }];
  }
  config.lab = { dir: state.dir };
  return config;
}

export function labConfigYaml(state: LabState): string {
  return `# Written by lifeboat for the lab in ${state.dir}; rewritten by each 'lifeboat lab up'.\n` + yaml.dump(labConfig(state), { lineWidth: 200 });
}
