// The Kubernetes objects source: every listable API object of the cluster, one YAML file each
// under /kubernetes; restored as "objects" (planned per kind by src/engine/kinds/).
import type { ObjectAction } from '../../restore/types.ts';
import { SNAPSHOT_PATHS } from '../sink.ts';
import type { SourceModule } from '../source.ts';
import { classifyKubernetes } from './inventory.ts';
import { mention } from '../../mentions.ts';
import { collectionOfId } from './ids.ts';

declare module '../types.ts' {
  interface SourceNames {
    kubernetes: true;
  }
}
declare module '../../restore/types.ts' {
  interface RestoreActions {
    objects: ObjectAction;
  }
}

export const kubernetesSourceModule: SourceModule = {
  kind: 'kubernetes',
  snapshotPath: SNAPSHOT_PATHS.kubernetes,
  itemPrefix: 'kubernetes',
  config: {
    // cluster: is read by the environment (the kubeconfig); what the source itself reads of it:
    shape: {},
    notConfigured: `no cluster: pass ${mention('kubeconfig')} or name cluster.kubeconfig in lifeboat.yaml`,
  },
  async backup({ kube, namespaces, filters, config, only, items }) {
    if (!kube) return undefined;
    const { kubernetesSource } = await import('./backup.ts');
    return kubernetesSource({
      client: kube,
      namespaces,
      resources: filters.resources,
      excludeResources: filters.excludeResources,
      labelSelector: filters.labelSelector,
      optOutLabel: config.cluster?.optOutLabel,
      includeGenerated: filters.includeGenerated,
      allVersions: filters.allVersions,
      only,
      onlyCollections: items && new Set([...items].map(collectionOfId).filter((c): c is string => c !== undefined)),
    });
  },
  inventory: ({ cluster }) => (cluster ? classifyKubernetes(cluster.objects) : []),
  restore: {
    name: 'objects',
    title: 'Kubernetes objects',
    label: 'Kubernetes objects',
    byDefault: true,
    order: 10,
    readsObjects: true,
    plan: async (ctx) => (await import('./restore.ts')).planObjectActions(ctx),
    async apply(job, ctx, actions) {
      const { applyObjects } = await import('../../restore/objects-apply.ts');
      return applyObjects(job, actions as ObjectAction[], { client: ctx.target.kube!, waitTimeoutMs: ctx.options.waitTimeoutMs });
    },
  },
};
