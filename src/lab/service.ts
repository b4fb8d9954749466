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
}

export interface LabContext {
  /** The lab's folder; each service works in dir/<name>. */
  dir: string;
  /** Pid whose death stops the lab; undefined when the lab outlives the command. */
  owner?: number;
  /** Services already started, by name (later services may need earlier ones). */
  started: Map<string, ServiceState>;
}

/** One kind of lab service: how to start it, and how to tell it is healthy. */
export interface ServiceDef {
  name: string;
  start(lab: LabContext): Promise<ServiceState>;
  health(state: ServiceState): Promise<boolean>;
}
