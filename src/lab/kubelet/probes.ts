/**
 * Container probes as kubelet 1.32 runs them: startup, liveness and readiness, each exec, TCP or
 * httpGet (gRPC is tried as a TCP connect), on its own schedule (initialDelaySeconds, then every
 * periodSeconds) with success and failure thresholds. Probes run in the background; the sync loop
 * reads their last results, so a slow probe never holds up the pods.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

export type ProbeKind = 'startup' | 'liveness' | 'readiness';

/** Runs a command in the container; resolves to its exit code (rejects when it cannot run). */
export type ExecInContainer = (containerId: string, command: string[], timeoutMs: number) => Promise<number>;

export interface ProbedContainer {
  /** Docker's id of the running attempt: a new attempt starts its probes afresh. */
  id: string;
  spec: any;
  /** When the attempt started (ms since the epoch). */
  startedAt: number;
  podIP: string;
}

export interface ProbeResults {
  /** The startup probe passed (or there is none). */
  started: boolean;
  /** The readiness probe passes (or there is none); false until the startup probe passed. */
  ready: boolean;
  /** The liveness or startup probe failed failureThreshold times: the container is to be killed. */
  failed?: { kind: ProbeKind; message: string };
}

interface State {
  result: boolean;
  successes: number;
  failures: number;
  /** When the next probe is due (ms). */
  due: number;
  running?: Promise<void>;
  message?: string;
}

const seconds = (v: unknown, dflt: number) => (typeof v === 'number' && v >= 0 ? v : dflt);

/** One probe attempt: undefined when it passed, else why it failed. */
export async function runProbe(probe: any, container: ProbedContainer, exec: ExecInContainer): Promise<string | undefined> {
  const timeoutMs = Math.max(1, seconds(probe.timeoutSeconds, 1)) * 1000;
  const port = (p: unknown) => resolvePort(p, container.spec);
  if (probe.exec) {
    const command: string[] = probe.exec.command ?? [];
    try {
      const code = await exec(container.id, command, timeoutMs);
      return code === 0 ? undefined : `command ${JSON.stringify(command.join(' '))} exited with ${code}`;
    } catch (e) {
      return (e as Error).message;
    }
  }
  if (probe.tcpSocket || probe.grpc) {
    const target = probe.tcpSocket ?? probe.grpc;
    const p = port(target.port);
    if (p === undefined) return `port ${JSON.stringify(target.port)} is not a container port`;
    return tcpConnect(target.host || container.podIP, p, timeoutMs);
  }
  if (probe.httpGet) {
    const g = probe.httpGet;
    const p = port(g.port);
    if (p === undefined) return `port ${JSON.stringify(g.port)} is not a container port`;
    return httpGet(g, g.host || container.podIP, p, timeoutMs);
  }
  return 'the probe has no handler (exec, tcpSocket, httpGet or grpc)';
}

function resolvePort(p: unknown, spec: any): number | undefined {
  if (typeof p === 'number') return p;
  if (/^\d+$/.test(String(p))) return Number(p);
  for (const cp of spec.ports ?? []) if (cp.name === p) return cp.containerPort;
  return undefined;
}

function tcpConnect(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (why?: string) => {
      socket.destroy();
      resolve(why);
    };
    socket.setTimeout(timeoutMs, () => done(`dial tcp ${host}:${port}: i/o timeout`));
    socket.on('connect', () => done());
    socket.on('error', (e) => done(`dial tcp ${host}:${port}: ${(e as NodeJS.ErrnoException).code === 'ECONNREFUSED' ? 'connect: connection refused' : e.message}`));
  });
}

function httpGet(g: any, host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  const secure = String(g.scheme ?? 'HTTP').toUpperCase() === 'HTTPS';
  const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.32', Accept: '*/*' };
  for (const h of g.httpHeaders ?? []) headers[h.name] = h.value;
  const url = `${secure ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}${g.path ?? '/'}`;
  return new Promise((resolve) => {
    const req = (secure ? https : http).get(url, { headers, timeout: timeoutMs, ...(secure ? { rejectUnauthorized: false } : {}) }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      resolve(code >= 200 && code < 400 ? undefined : `HTTP probe failed with statuscode: ${code}`);
    });
    req.on('timeout', () => req.destroy(new Error(`Get "${url}": context deadline exceeded`)));
    req.on('error', (e) => resolve(`Get "${url}": ${e.message}`));
  });
}

/** The probes of every running container of a node, keyed by container id and kind. */
export class Prober {
  private readonly states = new Map<string, State>();

  constructor(
    private readonly exec: ExecInContainer,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts the probes that are due (without waiting for them) and answers the latest results. */
  check(container: ProbedContainer): ProbeResults {
    const spec = container.spec;
    const startup = this.step(container, 'startup', spec.startupProbe, false, container.startedAt);
    const started = startup.result;
    const out: ProbeResults = { started, ready: false };
    if (!startup.result && startup.failed) out.failed = { kind: 'startup', message: startup.message ?? '' };
    if (!started) return out;
    // Behind a startup probe, the others start when it passed (upstream); else when the container did.
    const from = spec.startupProbe ? this.now() : container.startedAt;
    const liveness = this.step(container, 'liveness', spec.livenessProbe, true, from);
    if (liveness.failed) out.failed = { kind: 'liveness', message: liveness.message ?? '' };
    out.ready = this.step(container, 'readiness', spec.readinessProbe, false, from).result;
    return out;
  }

  /** Drops the state of containers that no longer run. */
  forget(running: Set<string>): void {
    for (const key of this.states.keys()) if (!running.has(key.slice(0, key.indexOf('/')))) this.states.delete(key);
  }

  /** Resolves once the probes now running have finished (for tests). */
  async settled(): Promise<void> {
    await Promise.all([...this.states.values()].map((s) => s.running));
  }

  private step(container: ProbedContainer, kind: ProbeKind, probe: any, initial: boolean, from: number): { result: boolean; failed: boolean; message?: string } {
    if (!probe) return { result: true, failed: false };
    const key = `${container.id}/${kind}`;
    let state = this.states.get(key);
    if (!state) {
      state = { result: initial, successes: 0, failures: 0, due: from + seconds(probe.initialDelaySeconds, 0) * 1000 };
      this.states.set(key, state);
    }
    const failureThreshold = Math.max(1, seconds(probe.failureThreshold, 3));
    const successThreshold = Math.max(1, seconds(probe.successThreshold, 1));
    const now = this.now();
    // A startup probe that passed is done for this attempt (upstream).
    const finished = kind === 'startup' && state.result;
    if (!state.running && !finished && now >= state.due) {
      const s = state;
      s.due = now + Math.max(1, seconds(probe.periodSeconds, 10)) * 1000;
      s.running = runProbe(probe, container, this.exec).then((why) => {
        if (why === undefined) {
          s.failures = 0;
          if (++s.successes >= successThreshold) s.result = true;
        } else {
          s.successes = 0;
          s.message = `${kind[0]!.toUpperCase()}${kind.slice(1)} probe failed: ${why}`;
          if (++s.failures >= failureThreshold) s.result = false;
        }
        s.running = undefined;
      });
    }
    const failed = kind !== 'readiness' && state.failures >= failureThreshold;
    return { result: state.result, failed, message: state.message };
  }
}
