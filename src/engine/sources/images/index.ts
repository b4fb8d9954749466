// The images source: the images the workloads, containers and config name, copied from a
// registry or the Docker engine into an OCI layout under /images; restored by load and/or push.
import type { ImageAction } from '../../restore/types.ts';
import { SNAPSHOT_PATHS } from '../sink.ts';
import type { SourceModule } from '../source.ts';
import { classifyImages, observeImages } from './inventory.ts';

declare module '../types.ts' {
  interface SourceNames {
    images: true;
  }
}
declare module '../../restore/types.ts' {
  interface RestoreActions {
    images: ImageAction;
  }
}

export const imagesSourceModule: SourceModule = {
  kind: 'images',
  snapshotPath: SNAPSHOT_PATHS.images,
  itemPrefix: 'image',
  config: {
    shape: {
      'registries?': [{ url: 'string', 'username?': 'string', 'passwordFile?': 'string', 'insecureSkipTLSVerify?': 'boolean', 'repositories?': 'string[]' }],
      'images?': 'string[]',
    },
    notConfigured: 'no Docker host, registry or cluster: add docker.host, registries or images to lifeboat.yaml',
    resolvePaths(config, abs) {
      for (const r of config.registries ?? []) r.passwordFile = abs(r.passwordFile);
    },
  },
  endpoints: {
    kind: 'registry',
    list: (config) => (config.registries ?? []).map((r) => ({ name: r.url.replace(/^https?:\/\//, ''), address: r.url })),
    async probe(ep, { signal }) {
      const res = await fetch(new URL('/v2/', ep.address), { signal });
      if (res.status !== 200 && res.status !== 401) throw new Error(`HTTP ${res.status}`);
      return `registry (${res.headers.get('docker-distribution-api-version') ?? 'OCI'})`;
    },
  },
  async backup({ config, docker, dockerHost, kube, namespaces, only }) {
    if (!docker && !kube && !config.registries?.length && !config.images?.length) return undefined;
    const [{ imagesSource }, { workloadImages }] = await Promise.all([import('./source.ts'), import('../../kube/workloads.ts')]);
    return imagesSource({
      config,
      docker,
      dockerHost,
      podImages: kube ? async () => [...(await workloadImages(kube, { namespaces })).keys()] : undefined,
      only,
    });
  },
  inventory: async (ctx) => classifyImages(await observeImages(ctx)),
  restore: {
    name: 'images',
    title: 'Images',
    label: 'images',
    byDefault: true,
    order: 30,
    readsObjects: true,
    plan: async (ctx) => (await import('./restore.ts')).planImages(ctx),
    apply: async (job, ctx, actions) => (await import('./restore.ts')).applyImages(job, ctx, actions as ImageAction[]),
  },
};
