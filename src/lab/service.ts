import { ensurePortFree, freePort } from './process.ts';

/** What the lab records of a running service: enough for `lab status` to check it later. */
export interface ServiceState {
  name: string;
  pid: number;
  port: number;
  /** How a client reaches it: a URL, or a socket for dockerd. */
  address: string;
  /** The service's own folder inside the lab. */
  dir: string;
  log: string;
  /** Service-specific facts (e.g. the PostgreSQL user, the CA file). */
  extra?: Record<string, string>;
  /**
   * Folders outside the lab folder the service had to use (e.g. a short socket path); stopping
   * the lab also stops any process naming them, and removes them.
   */
  outside?: string[];
}

export interface LabContext {
  /** The lab's folder; each service works in dir/<name>. */
  dir: string;
  /** Pid whose death stops the lab; undefined when the lab outlives the command. */
  owner?: number;
  /** Services already started, by name (later services may need earlier ones). */
  started: Map<string, ServiceState>;
  /** Ports asked for, by service name (else each gets a free one). */
  ports?: Record<string, number>;
  /** Names of the lab's nodes when kubelets run them (the API server registers them up front). */
  nodes?: string[];
  /** Where the lab's kubeconfig belongs (dir/kubeconfig); the API server service writes it. */
  kubeconfig: string;
}

/** One kind of lab service: how to start it, and how to tell it is healthy. */
export interface ServiceDef {
  name: string;
  /** Services that must be started first (their states are in `lab.started`). */
  needs?: string[];
  start(lab: LabContext): Promise<ServiceState>;
  health(state: ServiceState): Promise<boolean>;
  /**
   * Stops the service; without it the lab stops the process group of `state.pid`
   * (SIGTERM, then SIGKILL after a grace time).
   */
  stop?(state: ServiceState): Promise<void>;
}

/** The port a service listens on: the one asked for (checked free, else a clear error), or a free one. */
export async function servicePort(lab: LabContext, name: string): Promise<number> {
  const asked = lab.ports?.[name];
  if (asked === undefined) return freePort();
  await ensurePortFree(name, asked);
  return asked;
}
