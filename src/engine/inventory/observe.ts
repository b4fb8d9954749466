import type Docker from 'dockerode';
import type { LifeboatConfig } from '../config/schema.ts';
import type { KubeClient, KubeObject } from '../kube/client.ts';
import { collectionPath, discoverResources, type ApiResource } from '../kube/discovery.ts';
import { workloadImages } from '../kube/workloads.ts';
import { canonicalName, parseReference } from '../sources/images/reference.ts';
import { forEachLimit } from '../jobs/pool.ts';
import type { InventoryContext } from '../sources/source.ts';
import type { DockerContainerObservation } from './classify.ts';
import { errorLine } from '../errors.ts';

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

async function observeDocker(docker: Docker): Promise<{ containers: DockerContainerObservation[]; volumes: string[]; engineRefs: Map<string, string[]> }> {
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
  const volumes = (Volumes ?? []).map((v) => v.Name);
  return { containers, volumes, engineRefs };
}

/**
 * Looks once at what several sources read (the cluster's objects and workload images, the Docker
 * engine's containers, volumes and images), for each source's inventory to classify. A part that
 * cannot be read is a warning (and unobserved), and the rest is still observed.
 */
export async function observe(input: ObserveInput): Promise<{ context: InventoryContext; containers?: DockerContainerObservation[]; warnings: string[]; unobserved: Unobserved[] }> {
  const context: InventoryContext = { config: input.config, signal: input.signal };
  let containers: DockerContainerObservation[] | undefined;
  const warnings: string[] = [];
  // Sources that could not be seen at all: what they hold is unknown, so coverage is too.
  const unobserved: Unobserved[] = [];
  if (input.kube) {
    try {
      const objects = await observeKubernetes(input.kube, input.signal);
      context.cluster = { objects, imageUsers: await workloadImages(input.kube, { signal: input.signal }) };
    } catch (e) {
      const reason = errorLine(e);
      warnings.push(`cluster: ${reason}`);
      unobserved.push({ source: 'cluster', reason });
    }
  }
  if (input.docker) {
    try {
      const d = await observeDocker(input.docker);
      const engineImages = new Set((await input.docker.listImages()).flatMap((i) => i.RepoTags ?? []).map((t) => canonicalName(parseReference(t))));
      containers = d.containers;
      context.docker = { volumes: d.volumes, imageUsers: d.engineRefs, engineImages };
    } catch (e) {
      const reason = errorLine(e);
      warnings.push(`docker: ${reason}`);
      unobserved.push({ source: 'docker', reason });
    }
  }
  return { context, containers, warnings, unobserved };
}
