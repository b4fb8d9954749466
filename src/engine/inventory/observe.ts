import type Docker from 'dockerode';
import type { LifeboatConfig } from '../config/schema.ts';
import type { KubeClient, KubeObject } from '../kube/client.ts';
import { collectionPath, discoverResources, type ApiResource } from '../kube/discovery.ts';
import { workloadImages } from '../kube/workloads.ts';
import { canonicalName, parseReference } from '../sources/images/reference.ts';
import { prometheusName } from '../sources/prometheus.ts';
import { locatePersistentVolume, type PersistentVolume } from '../sources/volumes.ts';
import { RegistryClient, resolveRegistryImage } from '../sources/images/registry.ts';
import { forEachLimit } from '../jobs/pool.ts';
import { withRetry } from '../jobs/retry.ts';
import type { DockerContainerObservation, ImageObservation, Observations, VolumeObservation } from './classify.ts';
import { dockerVolumeId, imageId, persistentVolumeId } from '../sources/item-ids.ts';

/** A source the inventory could not read at all, and why. */
export interface Unobserved {
  source: string;
  reason: string;
}

export interface ObserveInput {
  config: LifeboatConfig;
  kube?: KubeClient;
  docker?: Docker;
  signal?: AbortSignal;
}

/** Paths Docker itself writes into every container; not the application's data. */
const NOISE = [/^\/etc\/(hosts|hostname|resolv\.conf|mtab)$/, /^\/(dev|proc|sys|run|tmp)(\/|$)/];

/**
 * The leaves of a container's filesystem diff outside its mounts (and the folders Docker made to
 * hold them): the data it keeps in its writable layer.
 */
export function writableLayerPaths(changes: { Path: string; Kind: number }[], mounts: string[]): string[] {
  const paths = changes
    .filter((c) => c.Kind !== 2) // 2 = deleted
    .map((c) => c.Path)
    .filter((p) => !NOISE.some((re) => re.test(p)) && !mounts.some((m) => p === m || p.startsWith(m + '/') || m.startsWith(p + '/')));
  const set = new Set(paths);
  // A changed folder shows up with each changed file under it: keep only the leaves.
  return paths.filter((p) => ![...set].some((q) => q !== p && q.startsWith(p + '/'))).sort();
}

async function observeKubernetes(client: KubeClient, signal?: AbortSignal): Promise<{ resource: ApiResource; obj: KubeObject }[]> {
  const resources = (await discoverResources(client, { signal })).filter((r) => r.verbs.includes('list'));
  const out: { resource: ApiResource; obj: KubeObject }[] = [];
  await forEachLimit(resources, 8, async (resource) => {
    for await (const page of client.listPages(collectionPath(resource), { signal })) {
      for (const obj of page.items) out.push({ resource, obj });
    }
  });
  return out;
}

async function observeDocker(docker: Docker): Promise<{ containers: DockerContainerObservation[]; volumes: VolumeObservation[]; engineRefs: Map<string, string[]> }> {
  const containers: DockerContainerObservation[] = [];
  const engineRefs = new Map<string, string[]>();
  for (const c of await docker.listContainers({ all: true })) {
    const name = (c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, '');
    const changes = ((await docker.getContainer(c.Id).changes()) ?? []) as { Path: string; Kind: number }[];
    const mounts = (c.Mounts ?? []).map((m) => m.Destination);
    containers.push({ id: c.Id, name, image: c.Image, running: c.State === 'running', changedPaths: writableLayerPaths(changes, mounts) });
    engineRefs.set(c.Image, [...(engineRefs.get(c.Image) ?? []), `container ${name}`]);
  }
  const { Volumes } = await docker.listVolumes();
  const volumes: VolumeObservation[] = (Volumes ?? []).map((v) => ({ id: dockerVolumeId(v.Name), kind: 'DockerVolume', name: v.Name, reachable: true }));
  return { containers, volumes, engineRefs };
}

/**
 * Looks at everything the configuration names. A source that cannot be read is a warning, and
 * the rest is still observed.
 */
export async function observe(input: ObserveInput): Promise<{ observations: Observations; warnings: string[]; unobserved: Unobserved[] }> {
  const { config } = input;
  const obs: Observations = {};
  const warnings: string[] = [];
  // Sources that could not be seen at all: what they hold is unknown, so coverage is too.
  const unobserved: Unobserved[] = [];
  const usedBy = new Map<string, string[]>();
  const use = (ref: string, who: string) => usedBy.set(ref, [...(usedBy.get(ref) ?? []), who]);
  if (input.kube) {
    try {
      obs.kubernetes = await observeKubernetes(input.kube, input.signal);
      for (const [ref, users] of await workloadImages(input.kube, { signal: input.signal })) for (const u of users) use(ref, u);
      obs.volumes = obs.kubernetes
        .filter(({ resource }) => resource.resource === 'persistentvolumes' && !resource.group)
        .map(({ obj }) => {
          const spec = obj.spec as { persistentVolumeReclaimPolicy?: string; claimRef?: { namespace?: string; name?: string }; storageClassName?: string };
          const where = locatePersistentVolume(obj as unknown as PersistentVolume, config.volumes?.pathMap);
          return {
            id: persistentVolumeId(obj.metadata.name),
            kind: 'PersistentVolume' as const,
            name: obj.metadata.name,
            reachable: 'dir' in where,
            why: 'reason' in where ? where.reason : undefined,
            reclaimPolicy: spec?.persistentVolumeReclaimPolicy,
            claim: spec?.claimRef ? `${spec.claimRef.namespace}/${spec.claimRef.name}` : undefined,
            storageClass: spec?.storageClassName,
          };
        });
    } catch (e) {
      const reason = (e as Error).message.split('\n')[0]!;
      warnings.push(`cluster: ${reason}`);
      unobserved.push({ source: 'cluster', reason });
    }
  }
  let engineImages = new Set<string>();
  if (input.docker) {
    try {
      const d = await observeDocker(input.docker);
      obs.containers = d.containers;
      obs.volumes = [...(obs.volumes ?? []), ...d.volumes];
      for (const [ref, users] of d.engineRefs) for (const u of users) use(ref, u);
      engineImages = new Set((await input.docker.listImages()).flatMap((i) => i.RepoTags ?? []).map((t) => canonicalName(parseReference(t))));
    } catch (e) {
      const reason = (e as Error).message.split('\n')[0]!;
      warnings.push(`docker: ${reason}`);
      unobserved.push({ source: 'docker', reason });
    }
  }
  const registries = (config.registries ?? []).map((r) => new RegistryClient(r, (fn) => withRetry(fn, { signal: input.signal, attempts: 3 }), input.signal));
  const images: ImageObservation[] = [];
  for (const ref of new Set([...usedBy.keys(), ...(config.images ?? [])])) {
    let parsed;
    try {
      parsed = parseReference(ref);
    } catch {
      continue;
    }
    const key = canonicalName(parsed);
    const client = registries.find((c) => c.host === parsed.domain);
    let inRegistry = false;
    if (client) inRegistry = (await resolveRegistryImage(client, parsed).catch(() => undefined)) !== undefined;
    images.push({ ref, id: imageId(key), usedBy: usedBy.get(ref) ?? ['config images'], inEngine: engineImages.has(key), inRegistry });
  }
  obs.images = images;
  obs.etcd = config.etcd?.endpoints?.length ? [config.etcd.endpoints.join(', ')] : [];
  obs.databases = (config.databases ?? []).map((d) => ({ name: d.name, database: d.database, address: `${d.host ?? '127.0.0.1'}:${d.port ?? 5432}` }));
  obs.prometheus = (config.prometheus ?? []).map((p) => ({ name: prometheusName(p), url: p.url }));
  return { observations: obs, warnings, unobserved };
}
