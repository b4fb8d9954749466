import type { KubeClient, KubeObject } from './client.ts';

interface PodSpec {
  containers?: { image?: string }[];
  initContainers?: { image?: string }[];
  ephemeralContainers?: { image?: string }[];
}

/** Where each kind keeps its pod spec. */
const POD_SPEC_OF: Record<string, (o: KubeObject) => PodSpec | undefined> = {
  '/api/v1/pods': (o) => o.spec as PodSpec,
  '/apis/apps/v1/deployments': (o) => (o.spec as { template?: { spec?: PodSpec } })?.template?.spec,
  '/apis/apps/v1/statefulsets': (o) => (o.spec as { template?: { spec?: PodSpec } })?.template?.spec,
  '/apis/apps/v1/daemonsets': (o) => (o.spec as { template?: { spec?: PodSpec } })?.template?.spec,
  '/apis/apps/v1/replicasets': (o) => (o.spec as { template?: { spec?: PodSpec } })?.template?.spec,
  '/apis/batch/v1/jobs': (o) => (o.spec as { template?: { spec?: PodSpec } })?.template?.spec,
  '/apis/batch/v1/cronjobs': (o) =>
    (o.spec as { jobTemplate?: { spec?: { template?: { spec?: PodSpec } } } })?.jobTemplate?.spec?.template?.spec,
};

/** The images the cluster's pods and pod templates use, with who uses each. */
export async function workloadImages(client: KubeClient, opts: { namespaces?: string[]; signal?: AbortSignal } = {}): Promise<Map<string, string[]>> {
  const images = new Map<string, string[]>();
  for (const [path, specOf] of Object.entries(POD_SPEC_OF)) {
    for await (const page of client.listPages(path, { signal: opts.signal })) {
      for (const obj of page.items) {
        if (opts.namespaces?.length && !opts.namespaces.includes(obj.metadata.namespace ?? '')) continue;
        const spec = specOf(obj);
        const kind = path.split('/').at(-1)!;
        for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? []), ...(spec?.ephemeralContainers ?? [])]) {
          if (!c.image) continue;
          const users = images.get(c.image) ?? [];
          users.push(`${kind}/${obj.metadata.namespace}/${obj.metadata.name}`);
          images.set(c.image, users);
        }
      }
    }
  }
  return images;
}

/** Every PersistentVolume (with its claim), for the volumes source. */
export async function persistentVolumes(client: KubeClient, opts: { signal?: AbortSignal } = {}): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  for await (const page of client.listPages('/api/v1/persistentvolumes', { signal: opts.signal })) out.push(...page.items);
  return out;
}
