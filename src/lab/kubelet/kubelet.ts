/**
 * The lab's kubelet: one per lab node. It registers its Node (capacity, conditions), renews the
 * node's Lease, and runs the pods bound to it as containers on the lab's dockerd with host
 * networking (the machine has no bridge), reporting phase, container states, exit codes and
 * restart counts. Pods are found by polling, so a missed watch event can never strand one.
 */
import fs from 'node:fs';
import os from 'node:os';
import type Docker from 'dockerode';
import type { ApiClient } from './api-client.ts';
import { ApiStatusError } from './api-client.ts';
import { containerEnv, expand, objectLookup } from './env.ts';
import { attemptOf, containerStatus, podPhase, type ContainerRecord } from './pod-status.ts';
import { Prober } from './probes.ts';
import { bindsFor, podDir, prepareVolumes, type NodeDirs } from './volumes.ts';

/** The annotation that tells the API server's stand-in kubelet a real one runs this node. */
export const KUBELET_ANNOTATION = 'lab.lifeboat.dev/kubelet';
export const NODE_LABEL = 'lab.lifeboat.dev/node';
const L = {
  uid: 'io.kubernetes.pod.uid',
  pod: 'io.kubernetes.pod.name',
  ns: 'io.kubernetes.pod.namespace',
  container: 'io.kubernetes.container.name',
  attempt: 'io.kubernetes.container.restartCount',
  grace: 'io.kubernetes.pod.terminationGracePeriod',
  init: 'lab.lifeboat.dev/init',
};

export interface KubeletOptions {
  node: string;
  api: ApiClient;
  docker: Docker;
  dirs: NodeDirs;
  /** The API server's URL, given to containers as KUBERNETES_SERVICE_HOST/PORT (pods share the host's loopback). */
  apiServer?: string;
  /** The port the kubelet's own server listens on (logs, exec), published in the Node. */
  port?: number;
  /** How often pods are synced (default 1 s). */
  syncMs?: number;
  /** Lease renewal interval (default 10 s, as kubelet 1.32). */
  leaseMs?: number;
  /** Back-off before restart N (default 10 s doubling to 5 min). */
  backoff?(restartCount: number): number;
  log?(line: string): void;
}

const HOST_IP = '127.0.0.1';
const iso = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const microIso = () => new Date().toISOString().replace(/Z$/, '000Z');

export function defaultBackoff(restartCount: number): number {
  return restartCount === 0 ? 0 : Math.min(300_000, 10_000 * 2 ** (restartCount - 1));
}

export class Kubelet {
  private timers: NodeJS.Timeout[] = [];
  private syncing = false;
  private stopped = false;
  /** Pods being stopped, by uid: when their containers get SIGKILL (a later, shorter grace period brings it forward). */
  private readonly stopping = new Map<string, { killAt: number }>();
  private readonly written = new Map<string, string>();
  private readonly log: (line: string) => void;
  private readonly transitions = new Map<string, string>();
  private readonly prober: Prober;
  /** Containers being killed for a failed liveness or startup probe. */
  private readonly killing = new Set<string>();

  constructor(private readonly opts: KubeletOptions) {
    this.log = opts.log ?? ((l) => console.log(`${new Date().toISOString()} ${l}`));
    this.prober = new Prober((id, command, timeoutMs) => this.execProbe(id, command, timeoutMs));
  }

  get node(): string {
    return this.opts.node;
  }

  async start(): Promise<void> {
    await this.register();
    await this.renewLease();
    await this.sync();
    const every = (ms: number, f: () => Promise<void>) => {
      const t = setInterval(() => void f().catch((e) => this.log(`error: ${(e as Error).message}`)), ms);
      this.timers.push(t);
    };
    every(this.opts.syncMs ?? 1000, () => this.sync());
    every(this.opts.leaseMs ?? 10_000, () => this.renewLease());
    every(60_000, () => this.postNodeStatus());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
  }

  private nodeStatus(): Record<string, unknown> {
    const cpus = String(os.cpus().length);
    const memKi = `${Math.floor(os.totalmem() / 1024)}Ki`;
    const fsStat = fs.statfsSync(this.opts.dirs.root);
    const storageKi = `${Math.floor((fsStat.blocks * fsStat.bsize) / 1024)}Ki`;
    const t = iso();
    const cond = (type: string, status: string, reason: string, message: string) => ({ type, status, lastHeartbeatTime: t, lastTransitionTime: this.transition(type, status, t), reason, message });
    return {
      capacity: { cpu: cpus, memory: memKi, pods: '110', 'ephemeral-storage': storageKi },
      allocatable: { cpu: cpus, memory: memKi, pods: '110', 'ephemeral-storage': storageKi },
      conditions: [
        cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
      ],
      addresses: [
        { type: 'InternalIP', address: HOST_IP },
        { type: 'Hostname', address: this.node },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: this.opts.port ?? 0 } },
      nodeInfo: {
        machineID: '',
        systemUUID: '',
        bootID: '',
        kernelVersion: os.release(),
        osImage: 'lifeboat lab',
        containerRuntimeVersion: 'docker://20.10',
        kubeletVersion: 'v1.32.0',
        kubeProxyVersion: 'v1.32.0',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    };
  }

  private transition(type: string, status: string, t: string): string {
    const key = `${type}=${status}`;
    if (!this.transitions.has(key)) this.transitions.set(key, t);
    return this.transitions.get(key)!;
  }

  /** Creates the Node (or takes over the one the API server made), marks it as run by this kubelet. */
  private async register(): Promise<void> {
    const path = `/api/v1/nodes/${this.node}`;
    const labels = { 'kubernetes.io/hostname': this.node, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'beta.kubernetes.io/os': 'linux', 'beta.kubernetes.io/arch': 'amd64' };
    if (!(await this.opts.api.tryGet(path))) {
      await this.opts.api
        .request('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: this.node, labels, annotations: { [KUBELET_ANNOTATION]: 'docker' } } })
        .catch((e) => {
          if (!(e instanceof ApiStatusError && e.code === 409)) throw e;
        });
    }
    await this.opts.api.mergePatch(path, { metadata: { labels, annotations: { [KUBELET_ANNOTATION]: 'docker', 'node.alpha.kubernetes.io/ttl': '0' } } });
    await this.postNodeStatus();
    this.log(`registered node ${this.node}`);
  }

  private async postNodeStatus(): Promise<void> {
    await this.opts.api.mergePatch(`/api/v1/nodes/${this.node}/status`, { status: this.nodeStatus() });
  }

  private async renewLease(): Promise<void> {
    const base = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases';
    const spec = { holderIdentity: this.node, leaseDurationSeconds: 40, renewTime: microIso() };
    const existing = await this.opts.api.tryGet(`${base}/${this.node}`);
    if (existing) {
      await this.opts.api.mergePatch(`${base}/${this.node}`, { spec });
      return;
    }
    const node = await this.opts.api.get(`/api/v1/nodes/${this.node}`);
    await this.opts.api.request('POST', base, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.node, namespace: 'kube-node-lease', ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.node, uid: node.metadata.uid }] },
      spec,
    });
  }

  /** The node's Docker containers, grouped by pod uid. */
  private async containersByPod(): Promise<Map<string, any[]>> {
    const list = await this.opts.docker.listContainers({ all: true, filters: { label: [`${NODE_LABEL}=${this.node}`] } });
    const byPod = new Map<string, any[]>();
    for (const c of list) {
      const uid = c.Labels[L.uid]!;
      byPod.set(uid, [...(byPod.get(uid) ?? []), c]);
    }
    return byPod;
  }

  /** One pass: every pod bound here brought toward its spec, containers of pods gone stopped. */
  async sync(): Promise<void> {
    if (this.syncing || this.stopped) return;
    this.syncing = true;
    try {
      const pods = (await this.opts.api.get(`/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${this.node}`)}`)).items as any[];
      const containers = await this.containersByPod();
      this.prober.forget(new Set([...containers.values()].flat().filter((c) => c.State === 'running').map((c) => c.Id)));
      const live = new Set(pods.map((p) => p.metadata.uid));
      // Gone from the API server without a graceful delete (forced, or its namespace): kubelet's minimum grace, 2 s.
      for (const [uid, list] of containers) if (!live.has(uid)) this.killPod(uid, list, 2);
      for (const uid of this.written.keys()) if (!live.has(uid)) this.written.delete(uid);
      await Promise.all(
        pods.map((pod) =>
          this.syncPod(pod, containers.get(pod.metadata.uid) ?? []).catch((e) => {
            if (!(e instanceof ApiStatusError && [404, 409].includes(e.code))) this.log(`pod ${pod.metadata.namespace}/${pod.metadata.name}: ${(e as Error).message}`);
          }),
        ),
      );
    } finally {
      this.syncing = false;
    }
  }

  /**
   * Graceful stop of a deleted pod's containers: SIGTERM, up to the grace period, SIGKILL; then
   * they and the pod's folder go, and (when the API server still has it, being deleted) the pod
   * object is deleted for good, as the kubelet's status manager does.
   */
  private killPod(uid: string, list: any[], graceSeconds: number, pod?: any): void {
    const killAt = Date.now() + graceSeconds * 1000;
    const already = this.stopping.get(uid);
    if (already) {
      already.killAt = Math.min(already.killAt, killAt);
      return;
    }
    const state = { killAt };
    this.stopping.set(uid, state);
    const docker = this.opts.docker;
    void (async () => {
      await Promise.all(
        list.map(async (info) => {
          const c = docker.getContainer(info.Id);
          if (info.State === 'running') {
            await c.kill({ signal: 'SIGTERM' }).catch(() => undefined);
            while (Date.now() < state.killAt && (await c.inspect().then((i) => i.State.Running, () => false))) await new Promise((r) => setTimeout(r, 100));
            await c.kill({ signal: 'SIGKILL' }).catch(() => undefined);
          }
          await c.remove({ force: true }).catch(() => undefined);
        }),
      );
      fs.rmSync(podDir(this.opts.dirs, uid), { recursive: true, force: true });
      if (pod) {
        await this.opts.api
          .request('DELETE', `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`, { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid } })
          .catch((e) => {
            if (!(e instanceof ApiStatusError && [404, 409].includes(e.code))) throw e;
          });
      }
      const any = list[0]?.Labels ?? {};
      this.log(`pod ${pod?.metadata.namespace ?? any[L.ns]}/${pod?.metadata.name ?? any[L.pod]} stopped and removed`);
    })()
      .catch((e) => this.log(`stopping pod ${uid}: ${(e as Error).message}`))
      .finally(() => this.stopping.delete(uid));
  }

  private async inspectAll(list: any[]): Promise<Map<string, any[]>> {
    const byName = new Map<string, any[]>();
    for (const info of list) {
      const full = await this.opts.docker.getContainer(info.Id).inspect().catch(() => undefined);
      if (!full) continue;
      const name = full.Config.Labels[L.container];
      byName.set(name, [...(byName.get(name) ?? []), full]);
    }
    for (const l of byName.values()) l.sort((a, b) => attemptOf(b) - attemptOf(a));
    return byName;
  }

  private async syncPod(pod: any, list: any[]): Promise<void> {
    const uid = pod.metadata.uid;
    if (pod.metadata.deletionTimestamp) {
      // The grace period the API server gave (deletionGracePeriodSeconds), as upstream.
      this.killPod(uid, list, pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30, pod);
      return;
    }
    if (this.stopping.has(uid)) return;
    const terminal = ['Succeeded', 'Failed'].includes(pod.status?.phase);
    pod = withServiceAccountVolume(pod);
    const byName = await this.inspectAll(list);
    const record = (spec: any): ContainerRecord => ({ spec, latest: byName.get(spec.name)?.[0], previous: byName.get(spec.name)?.[1] });
    const inits: ContainerRecord[] = (pod.spec.initContainers ?? []).map(record);
    const mains: ContainerRecord[] = (pod.spec.containers ?? []).map(record);
    const policy = pod.spec.restartPolicy ?? 'Always';
    let initDone = true;
    let initFailed = false;
    let volumes: Map<string, string> | undefined;
    let volumeError: string | undefined;
    if (!terminal) {
      try {
        volumes = await prepareVolumes(this.opts.api, this.opts.dirs, pod, (audience, expirationSeconds) => this.requestToken(pod, audience, expirationSeconds));
      } catch (e) {
        volumeError = (e as Error).message;
      }
      const lookup = objectLookup(this.opts.api);
      const run = async (r: ContainerRecord, init: boolean) => {
        if (volumeError) {
          r.waiting = { reason: 'ContainerCreating', message: volumeError };
          return;
        }
        await this.runContainer(pod, r, volumes!, lookup, init);
      };
      for (const r of inits) {
        const s = r.latest?.State;
        if (s && s.Status === 'exited' && s.ExitCode === 0) continue;
        initDone = false;
        if (s?.Running) break;
        if (s && s.Status === 'exited') {
          if (policy === 'Never') initFailed = true;
          else await this.restartAfterBackoff(pod, r, () => run(r, true));
        } else await run(r, true);
        break;
      }
      if (initDone) {
        for (const r of mains) {
          const s = r.latest?.State;
          if (!r.latest) await run(r, false);
          else if (s.Status === 'exited' && (policy === 'Always' || (policy === 'OnFailure' && s.ExitCode !== 0))) await this.restartAfterBackoff(pod, r, () => run(r, false));
          if (r.latest?.State?.Running) this.probe(pod, r);
        }
      }
    } else {
      initDone = true;
    }
    if (terminal) return;
    await this.writeStatus(pod, inits, mains, podPhase(policy, initDone, initFailed, mains), initDone);
  }

  /** Reads the probes of a running container; one that failed its liveness or startup probe is stopped (and restarted by restartPolicy). */
  private probe(pod: any, r: ContainerRecord): void {
    const id = r.latest.Id;
    const results = this.prober.check({ id, spec: r.spec, startedAt: Date.parse(r.latest.State.StartedAt), podIP: HOST_IP });
    r.ready = results.ready;
    r.started = results.started;
    if (!results.failed || this.killing.has(id)) return;
    this.killing.add(id);
    const probe = results.failed.kind === 'liveness' ? r.spec.livenessProbe : r.spec.startupProbe;
    const grace = probe?.terminationGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
    this.log(`pod ${pod.metadata.namespace}/${pod.metadata.name}: ${results.failed.message}; container ${r.spec.name} failed ${results.failed.kind} probe, will be restarted`);
    void this.opts.docker
      .getContainer(id)
      .stop({ t: grace })
      .catch(() => undefined)
      .finally(() => this.killing.delete(id));
  }

  /** An exec probe: the command's exit code, or an error once it ran longer than the probe's timeout. */
  private async execProbe(id: string, command: string[], timeoutMs: number): Promise<number> {
    const e = await this.opts.docker.getContainer(id).exec({ Cmd: command, AttachStdout: true, AttachStderr: true });
    const stream = (await e.start({})) as unknown as NodeJS.ReadableStream & { destroy(): void };
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        stream.destroy();
        reject(new Error(`command ${JSON.stringify(command.join(' '))} timed out after ${timeoutMs / 1000}s`));
      }, timeoutMs);
      const end = () => {
        clearTimeout(timer);
        resolve();
      };
      stream.on('end', end);
      stream.on('close', end);
      stream.on('error', end);
      stream.resume();
    });
    for (let i = 0; i < 50; i++) {
      const info = await e.inspect();
      if (!info.Running) return info.ExitCode ?? 0;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`command ${JSON.stringify(command.join(' '))} did not report its exit code`);
  }

  private async restartAfterBackoff(pod: any, r: ContainerRecord, run: () => Promise<void>): Promise<void> {
    const count = attemptOf(r.latest);
    const finished = Date.parse(r.latest.State.FinishedAt);
    const wait = (this.opts.backoff ?? defaultBackoff)(count);
    if (Date.now() - finished < wait) {
      r.waiting = { reason: 'CrashLoopBackOff', message: `back-off ${Math.round(wait / 1000)}s restarting failed container=${r.spec.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})` };
      return;
    }
    await run();
  }

  /** A token for the pod's ServiceAccount through TokenRequest, bound to the pod. */
  private async requestToken(pod: any, audience: string | undefined, expirationSeconds: number): Promise<string> {
    const sa = pod.spec.serviceAccountName ?? 'default';
    const reply = await this.opts.api.request('POST', `/api/v1/namespaces/${pod.metadata.namespace}/serviceaccounts/${sa}/token`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { ...(audience ? { audiences: [audience] } : {}), expirationSeconds, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, uid: pod.metadata.uid } },
    });
    return reply.status.token;
  }

  private async ensureImage(image: string, policy: string | undefined): Promise<void> {
    const docker = this.opts.docker;
    const tagged = /:[^/]+$/.test(image.split('@')[0]!) && !image.endsWith(':latest');
    const pullPolicy = policy ?? (tagged || image.includes('@') ? 'IfNotPresent' : 'Always');
    const present = await docker.getImage(image).inspect().then(() => true, () => false);
    if (pullPolicy === 'Never') {
      if (!present) throw Object.assign(new Error(`Container image "${image}" is not present with pull policy of Never`), { reason: 'ErrImageNeverPull' });
      return;
    }
    if (present && pullPolicy === 'IfNotPresent') return;
    try {
      const stream = await docker.pull(image);
      await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null, out: any[]) => {
        const failed = out?.find((o) => o.error);
        if (err || failed) reject(err ?? new Error(failed.error));
        else resolve();
      }));
    } catch (e) {
      throw Object.assign(new Error(`Failed to pull image "${image}": ${(e as Error).message}`), { reason: 'ErrImagePull' });
    }
  }

  /** Creates and starts the next attempt of a container (the one before stays, for --previous). */
  private async runContainer(pod: any, r: ContainerRecord, volumes: Map<string, string>, lookup: ReturnType<typeof objectLookup>, init: boolean): Promise<void> {
    const c = r.spec;
    const attempt = r.latest ? attemptOf(r.latest) + 1 : 0;
    let env: Record<string, string>;
    let binds: string[];
    try {
      const server = this.opts.apiServer ? new URL(this.opts.apiServer) : undefined;
      const serviceEnv: Record<string, string> = server ? { KUBERNETES_SERVICE_HOST: server.hostname, KUBERNETES_SERVICE_PORT: server.port, KUBERNETES_SERVICE_PORT_HTTPS: server.port, KUBERNETES_PORT: `tcp://${server.hostname}:${server.port}` } : {};
      env = { ...serviceEnv, ...(await containerEnv(pod, c, lookup, HOST_IP)) };
      binds = bindsFor(c, volumes);
    } catch (e) {
      r.waiting = { reason: 'CreateContainerConfigError', message: (e as Error).message };
      return;
    }
    try {
      await this.ensureImage(c.image, c.imagePullPolicy);
    } catch (e) {
      r.waiting = { reason: (e as any).reason ?? 'ErrImagePull', message: (e as Error).message };
      return;
    }
    const ns = pod.metadata.namespace;
    const name = `k8s_${c.name}_${pod.metadata.name}_${ns}_${pod.metadata.uid}_${attempt}`;
    const created = await this.opts.docker.createContainer({
      name,
      Image: c.image,
      ...(c.command ? { Entrypoint: c.command.map((s: string) => expand(s, env)) } : {}),
      ...(c.args ? { Cmd: c.args.map((s: string) => expand(s, env)) } : c.command ? { Cmd: [] } : {}),
      Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      ...(c.workingDir ? { WorkingDir: c.workingDir } : {}),
      Tty: c.tty === true,
      OpenStdin: c.stdin === true,
      StdinOnce: c.stdinOnce === true,
      Labels: {
        [NODE_LABEL]: this.node,
        [L.uid]: pod.metadata.uid,
        [L.pod]: pod.metadata.name,
        [L.ns]: ns,
        [L.container]: c.name,
        [L.attempt]: String(attempt),
        [L.grace]: String(pod.spec.terminationGracePeriodSeconds ?? 30),
        ...(init ? { [L.init]: 'true' } : {}),
      },
      HostConfig: { NetworkMode: 'host', Binds: binds },
    });
    await created.start();
    // Only the newest two attempts are kept: the running one and the one --previous shows.
    for (const old of (await this.opts.docker.listContainers({ all: true, filters: { label: [`${L.uid}=${pod.metadata.uid}`, `${L.container}=${c.name}`] } })).filter((o) => Number(o.Labels[L.attempt]) < attempt - 1)) {
      await this.opts.docker.getContainer(old.Id).remove({ force: true }).catch(() => undefined);
    }
    r.previous = r.latest;
    r.latest = await created.inspect();
    this.log(`pod ${ns}/${pod.metadata.name}: started container ${c.name} (attempt ${attempt})`);
  }

  private async writeStatus(pod: any, inits: ContainerRecord[], mains: ContainerRecord[], phase: string, initDone: boolean): Promise<void> {
    const mainStatuses = mains.map((r) => containerStatus(r, false));
    const allReady = mainStatuses.every((s) => s.ready);
    const done = phase === 'Succeeded' || phase === 'Failed';
    const old = new Map<string, any>((pod.status?.conditions ?? []).map((c: any) => [c.type, c]));
    const cond = (type: string, ok: boolean, reason?: string, message?: string) => {
      const status = ok ? 'True' : 'False';
      const prev = old.get(type);
      return { type, status, lastProbeTime: null, lastTransitionTime: prev?.status === status ? prev.lastTransitionTime : iso(), ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
    };
    const readyReason = done ? 'PodCompleted' : allReady ? undefined : 'ContainersNotReady';
    const unready = mainStatuses.filter((s) => !s.ready).map((s) => s.name);
    const readyMessage = !done && unready.length ? `containers with unready status: [${unready.join(' ')}]` : undefined;
    const status = {
      phase,
      conditions: [
        cond('PodReadyToStartContainers', !done && !!volumes(mains, inits)),
        cond('Initialized', initDone, initDone ? undefined : 'ContainersNotInitialized'),
        cond('Ready', allReady && !done, readyReason, readyMessage),
        cond('ContainersReady', allReady && !done, readyReason, readyMessage),
        cond('PodScheduled', true),
      ],
      hostIP: HOST_IP,
      hostIPs: [{ ip: HOST_IP }],
      podIP: HOST_IP,
      podIPs: [{ ip: HOST_IP }],
      startTime: pod.status?.startTime ?? iso(),
      qosClass: qosClass(pod),
      ...(inits.length ? { initContainerStatuses: inits.map((r) => containerStatus(r, true)) } : {}),
      containerStatuses: mainStatuses,
    };
    const text = JSON.stringify(status);
    if (this.written.get(pod.metadata.uid) === text) return;
    await this.opts.api.mergePatch(`/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/status`, { status });
    this.written.set(pod.metadata.uid, text);
  }
}

const SA_MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * The kube-api-access volume the ServiceAccount admission plugin adds to pods (token, ca.crt,
 * namespace); the lab's API server does not add it, so the kubelet does, in memory.
 */
function withServiceAccountVolume(pod: any): any {
  if (pod.spec.automountServiceAccountToken === false) return pod;
  const all = [...(pod.spec.initContainers ?? []), ...(pod.spec.containers ?? [])];
  if (all.some((c: any) => (c.volumeMounts ?? []).some((m: any) => m.mountPath === SA_MOUNT))) return pod;
  const name = 'kube-api-access-lab';
  const volume = {
    name,
    projected: {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
  const mount = (c: any) => ({ ...c, volumeMounts: [...(c.volumeMounts ?? []), { name, mountPath: SA_MOUNT, readOnly: true }] });
  return { ...pod, spec: { ...pod.spec, volumes: [...(pod.spec.volumes ?? []), volume], initContainers: pod.spec.initContainers?.map(mount), containers: pod.spec.containers.map(mount) } };
}

const volumes = (mains: ContainerRecord[], inits: ContainerRecord[]) => [...mains, ...inits].some((r) => r.latest);

function qosClass(pod: any): string {
  const cs = [...(pod.spec.containers ?? []), ...(pod.spec.initContainers ?? [])];
  const has = (c: any) => Object.keys(c.resources?.requests ?? {}).length || Object.keys(c.resources?.limits ?? {}).length;
  if (!cs.some(has)) return 'BestEffort';
  const guaranteed = cs.every((c) => ['cpu', 'memory'].every((r) => c.resources?.limits?.[r] && (c.resources?.requests?.[r] ?? c.resources.limits[r]) === c.resources.limits[r]));
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
