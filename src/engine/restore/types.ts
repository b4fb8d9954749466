// The restore plan's vocabulary: what is in scope, where it goes, and one typed action per thing
// the restore will do (or deliberately not do), each with its reason. The CLI prints a plan, the
// wizard shows it as a tree; the appliers run it.
import type Docker from 'dockerode';
import type { DatabaseConfig, LifeboatConfig, PrometheusConfig, RegistryConfig } from '../config/schema.ts';
import type { KubeClient, KubeObject } from '../kube/client.ts';
import type { PathMapping } from '../sources/volumes/backup.ts';

/**
 * Each restorable source's action type, by the name a restore uses for it. A source's module adds
 * its own (`declare module '../../restore/types.ts' { interface RestoreActions { mine: MyAction } }`);
 * which sources are restored by default, and in which order, is the registry's.
 */
export interface RestoreActions {}
export type RestoreSource = keyof RestoreActions & string;

export type ExistingPolicy = 'skip' | 'update' | 'recreate';

/** The label each restored object carries, naming the snapshot it came from. */
export const RESTORED_FROM_LABEL = 'lifeboat.dev/restored-from';

export interface RestoreScope {
  /** Default DEFAULT_RESTORE_SOURCES (etcd only when asked for). */
  sources?: RestoreSource[];
  /** Namespaces as the snapshot names them (before --namespace-map). */
  namespaces?: string[];
  /** Kinds or resources, as kubectl names them: `Deployment`, `deployments`, `deployments.apps`. */
  kinds?: string[];
  /** Object (and Docker volume) names. */
  names?: string[];
  /** A label selector: `app=shop,tier!=db,env in (a,b),!legacy`. */
  labelSelector?: string;
}

export interface RestoreTarget {
  /** The whole configuration, for a source whose target is its own config section. */
  config?: LifeboatConfig;
  /** The target cluster (the target context's client). */
  kube?: KubeClient;
  /** Its context name, for messages and the wizard's confirmation. */
  kubeContext?: string;
  docker?: Docker;
  /** How the Docker engine is named (`unix:///...`), for skopeo and messages. */
  dockerHost?: string;
  registries?: RegistryConfig[];
  prometheus?: PrometheusConfig[];
  databases?: DatabaseConfig[];
  /** volumes.pathMap: where PV folders are mounted here. */
  pathMap?: PathMapping[];
}

export interface RestoreOptions {
  /** old namespace -> new namespace. */
  namespaceMap?: Record<string, string>;
  storageClassMap?: Record<string, string>;
  /** old registry (host or host/path prefix) -> new one, for pod templates and pushed images. */
  registryMap?: Record<string, string>;
  existingPolicy?: ExistingPolicy;
  /** Keep objects' status (default: cleared; controllers rebuild it). */
  keepStatus?: boolean;
  /** etcd: the new data directory (must not exist, or be empty). */
  etcdDataDir?: string;
  /** etcd: member name and peer URL of the restored member (default `default`, http://localhost:2380). */
  etcdName?: string;
  etcdInitialCluster?: string;
  etcdInitialAdvertisePeerUrls?: string;
  /** etcd: how far to move the revision past the snapshot's (default 10000; 0: not at all). */
  etcdBumpRevision?: number;
  /** Volumes: restore every volume into <dir>/<docker|pv>/<name> instead of its own place. */
  volumeTarget?: string;
  /** Prometheus: write files under <dir>/<server>/ instead of the server's own paths. */
  prometheusTarget?: string;
  /** Prometheus: POST /-/reload after writing. */
  prometheusReload?: boolean;
  /** How long to wait for a CRD to be Established, a claim to be bound (default 60 s). */
  waitTimeoutMs?: number;
}

export type ObjectVerb = 'create' | 'update' | 'recreate' | 'skip';

/** Where an object lives in the snapshot and in the API. */
export interface ObjectRef {
  group: string;
  version: string;
  /** `apps/v1`, `v1`. */
  apiVersion: string;
  /** Plural resource name. */
  resource: string;
  kind: string;
  namespaced: boolean;
}

interface BaseAction {
  /** The snapshot item's id (`kubernetes:apps/v1/deployments/shop/api`, `volume:docker/x`...). */
  id: string;
  /** How a person names it: `Deployment shop-staging/api`, `Docker volume pgdata`. */
  title: string;
  /** Why this verb, in words. */
  reason: string;
  warnings: string[];
}

export interface ObjectAction extends BaseAction {
  source: 'objects';
  verb: ObjectVerb;
  ref: ObjectRef;
  /** Namespace and name in the target (after --namespace-map). */
  namespace?: string;
  name: string;
  /** Namespace in the snapshot, when mapped. */
  fromNamespace?: string;
  /** Apply order: lower first; objects of one phase go together. */
  phase: number;
  phaseName: string;
  /** What the clean-up and the mappings changed, one line each. */
  changes: string[];
  /** The object to write (absent for skip). */
  object?: KubeObject;
  /** The target's current object, when it exists. */
  live?: KubeObject;
  /** Line diff, live -> restored, for update and recreate (and a skip of a differing object). */
  diff?: string;
}

export type VolumeTarget =
  /** `dir` is `root` with `parts` (names from the snapshot) below it, resolved by Containment. */
  | { type: 'dir'; dir: string; root?: string; parts?: string[] }
  | { type: 'docker'; volume: string }
  /** The folder of the PV bound to this claim (in the target namespace) once it is bound. */
  | { type: 'claim'; namespace: string; name: string }
  | { type: 'pv'; name: string };

export interface VolumeAction extends BaseAction {
  source: 'volumes';
  verb: 'restore' | 'skip';
  from: string;
  target?: VolumeTarget;
  /** Why this volume cannot be restored safely (an unsafe name in the snapshot): it then fails. */
  refused?: string;
  bytes?: number;
  items?: number;
}

export interface ImageAction extends BaseAction {
  source: 'images';
  verb: 'load' | 'push' | 'load+push' | 'skip';
  /** The reference the image is stored under in the snapshot. */
  ref: string;
  /** Where it is pushed (after --registry-map). */
  pushTo?: string;
  bytes?: number;
}

export interface EtcdAction extends BaseAction {
  source: 'etcd';
  verb: 'restore' | 'skip';
  from: string;
  dataDir?: string;
  name: string;
  initialCluster: string;
  initialAdvertisePeerUrls: string;
  bumpRevision: number;
  /** What to do, after the restore, to run the cluster on the new data directory. */
  steps: string[];
}

export interface PrometheusAction extends BaseAction {
  source: 'prometheus';
  verb: 'write' | 'skip';
  server: string;
  /**
   * Snapshot file -> file here (a folder for the TSDB). Under --prometheus-target, `to` is `root`
   * with `parts` below it (resolved by Containment); else it is a path the server itself names.
   */
  files: { from: string; to: string; tree?: boolean; root?: string; parts?: string[] }[];
  /** Why this server's files cannot be restored safely (an unsafe name in the snapshot). */
  refused?: string;
  /** Base URL to POST /-/reload to afterwards. */
  reload?: string;
}

export interface DatabaseAction extends BaseAction {
  source: 'databases';
  /** restore: into an empty database; create: make it, then restore; recreate: drop, create, restore; update: pg_restore --clean. */
  verb: 'restore' | 'create' | 'recreate' | 'update' | 'skip';
  from: string;
  database?: DatabaseConfig;
}

export type PlanAction = RestoreActions[RestoreSource];

export interface RestorePlan {
  snapshot: { id: string; short: string; time: string; hostname: string };
  scope: RestoreScope;
  options: RestoreOptions;
  /** Every action, objects in apply order first. */
  actions: PlanAction[];
  /** What planning could not find out or the user should know, one line each. */
  warnings: string[];
}

/** One thing an applier did, for the report. */
export interface ItemResult {
  id: string;
  title: string;
  outcome: 'created' | 'updated' | 'recreated' | 'restored' | 'skipped' | 'failed';
  /** Why (skip), what went wrong (failed), or what was done. */
  reason?: string;
}

/** What each applier job returns. */
export interface ApplyResult {
  items: ItemResult[];
  /** Lines to show after the report (etcd's swap steps). */
  notes?: string[];
}
