import type { LifeboatConfig } from '../config/schema.ts';
import { KubeClient } from '../kube/client.ts';
import { checkFilters } from './check-filters.ts';
import type { KubeTarget } from '../kube/kubeconfig.ts';
import { dockerClient } from '../environment/probe.ts';
import { persistentVolumes, workloadImages } from '../kube/workloads.ts';
import { etcdSource } from '../sources/etcd.ts';
import { imagesSource } from '../sources/images/source.ts';
import { prometheusName, prometheusSource } from '../sources/prometheus.ts';
import { volumesSource, type PersistentVolume } from '../sources/volumes.ts';
import { kubernetesSource } from '../sources/kubernetes.ts';
import { postgresSource } from '../sources/postgres.ts';
import { mariadbSource } from '../sources/mariadb/backup.ts';
import { redisSource } from '../sources/redis/backup.ts';
import { bucketsSource } from '../sources/buckets/backup.ts';
import { SOURCE_KINDS, type BackupSource, type ItemFilter, type SourceKind } from '../sources/types.ts';
import { databaseId, persistentVolumeId, prometheusItemId, sourceOfItem } from '../sources/item-ids.ts';

export interface BackupFilters {
  namespaces?: string[];
  resources?: string[];
  excludeResources?: string[];
  labelSelector?: string;
  includeGenerated?: boolean;
  allVersions?: boolean;
}

export interface PlanInput {
  config: LifeboatConfig;
  kube?: KubeTarget;
  env: NodeJS.ProcessEnv;
  /** Only these sources (default: every configured one). */
  only?: SourceKind[];
  /** Only these items, by inventory id (the TUI's marked items); their sources come along. */
  items?: string[];
  filters?: BackupFilters;
  signal?: AbortSignal;
}

export interface BackupPlan {
  sources: BackupSource[];
  /** What planning could not find out (e.g. the PVs of an unreachable cluster). */
  warnings: string[];
  notConfigured: { kind: SourceKind; reason: string }[];
  /** Closes clients the plan opened. */
  close(): void;
}

/** A source asked for with --only but not configured: the error says what to add. */
export class NotConfiguredError extends Error {}

const HOW_TO_CONFIGURE: Record<SourceKind, string> = {
  kubernetes: 'no cluster: pass --kubeconfig or name cluster.kubeconfig in lifeboat.yaml',
  etcd: 'no etcd endpoints: add etcd.endpoints to lifeboat.yaml',
  volumes: 'no Docker host and no cluster: add docker.host or a cluster to lifeboat.yaml',
  images: 'no Docker host, registry or cluster: add docker.host, registries or images to lifeboat.yaml',
  prometheus: 'no Prometheus: add prometheus[].url to lifeboat.yaml',
  databases: 'no databases: add databases[] to lifeboat.yaml',
  mariadb: 'no MariaDB/MySQL server: add mariadb[] (name, host, port, user, passwordFile) to lifeboat.yaml',
  redis: 'no Redis server: add redis[] (name, host, port, passwordFile) to lifeboat.yaml',
  buckets: 'no buckets: add buckets[] (name, endpoint, bucket, prefix) to lifeboat.yaml',
};

/** Which sources a backup runs, from the config, the cluster and --only. */
export async function planBackup(input: PlanInput): Promise<BackupPlan> {
  const { config, kube } = input;
  const filters = input.filters ?? {};
  const items = input.items?.length ? new Set(input.items) : undefined;
  const only: ItemFilter | undefined = items && ((id) => items.has(id));
  const itemSources = items && SOURCE_KINDS.filter((k) => [...items].some((id) => sourceOfItem(id) === k));
  if (itemSources?.length === 0) throw new NotConfiguredError('no backup job captures the items asked for (they are skippable or out of reach)');
  const wanted = new Set(itemSources ?? (input.only?.length ? input.only : SOURCE_KINDS));
  const client = kube ? new KubeClient(kube.kubeConfig) : undefined;
  const namespaces = filters.namespaces ?? config.cluster?.namespaces;
  try {
    await checkFilters(client, { ...filters, namespaces }, input.signal);
  } catch (e) {
    client?.close();
    throw e;
  }
  const warnings: string[] = [];
  const dockerHost = config.docker?.host ?? input.env.DOCKER_HOST;
  const docker = dockerHost ? dockerClient(dockerHost) : undefined;
  let pvs: PersistentVolume[] = [];
  let pvsUnknown: string | undefined;
  if (client && wanted.has('volumes')) {
    try {
      const all = (await persistentVolumes(client)) as unknown as PersistentVolume[];
      pvs = namespaces?.length ? all.filter((pv) => namespaces.includes(pv.spec?.claimRef?.namespace ?? '')) : all;
      if (only) pvs = pvs.filter((pv) => only(persistentVolumeId(pv.metadata.name)));
    } catch (e) {
      pvsUnknown = (e as Error).message.split('\n')[0];
    }
  }
  const factories: Record<SourceKind, () => BackupSource | undefined> = {
    kubernetes: () =>
      client &&
      kubernetesSource({
        client,
        namespaces,
        resources: filters.resources,
        excludeResources: filters.excludeResources,
        labelSelector: filters.labelSelector,
        optOutLabel: config.cluster?.optOutLabel,
        includeGenerated: filters.includeGenerated,
        allVersions: filters.allVersions,
        only,
        onlyCollections: items && new Set([...items].filter((id) => id.startsWith('kubernetes:')).map((id) => id.slice('kubernetes:'.length).split('/').slice(0, 3).join('/'))),
      }),
    etcd: () => (config.etcd?.endpoints?.length ? etcdSource({ endpoints: config.etcd.endpoints, ca: config.etcd.ca, cert: config.etcd.cert, key: config.etcd.key }) : undefined),
    volumes: () =>
      docker || pvs.length || pvsUnknown ? volumesSource({ docker, dockerHost, persistentVolumes: pvs, persistentVolumesUnknown: pvsUnknown, pathMap: config.volumes?.pathMap, only }) : undefined,
    images: () =>
      docker || client || config.registries?.length || config.images?.length
        ? imagesSource({
            config,
            docker,
            dockerHost,
            podImages: client ? async () => [...(await workloadImages(client, { namespaces })).keys()] : undefined,
            only,
          })
        : undefined,
    prometheus: () => {
      const servers = (config.prometheus ?? []).filter((p) => !only || only(prometheusItemId(prometheusName(p), 'config')));
      return servers.length ? prometheusSource({ servers }) : undefined;
    },
    databases: () => {
      const databases = (config.databases ?? []).filter((d) => !only || only(databaseId(d.name, d.database)));
      return databases.length ? postgresSource({ databases }) : undefined;
    },
    mariadb: () => (config.mariadb?.length ? mariadbSource({ servers: config.mariadb, only }) : undefined),
    redis: () => (config.redis?.length ? redisSource({ servers: config.redis, only }) : undefined),
    buckets: () => (config.buckets?.length ? bucketsSource({ buckets: config.buckets, only, env: input.env }) : undefined),
  };
  const sources: BackupSource[] = [];
  const notConfigured: BackupPlan['notConfigured'] = [];
  for (const kind of SOURCE_KINDS) {
    if (!wanted.has(kind)) continue;
    const source = factories[kind]();
    if (source) sources.push(source);
    else {
      if (input.only?.includes(kind) || itemSources?.includes(kind)) throw new NotConfiguredError(`${kind} cannot be backed up: ${HOW_TO_CONFIGURE[kind]}`);
      notConfigured.push({ kind, reason: HOW_TO_CONFIGURE[kind] });
    }
  }
  return { sources, notConfigured, warnings, close: () => client?.close() };
}
