import type { KubeClient, KubeObject } from './client.ts';
import { podTemplateImages } from './pod-images.ts';

/** The collections whose objects run pods, with the kind their list items lack. */
const POD_RUNNERS: [string, string][] = [
  ['/api/v1/pods', 'Pod'],
  ['/apis/apps/v1/deployments', 'Deployment'],
  ['/apis/apps/v1/statefulsets', 'StatefulSet'],
  ['/apis/apps/v1/daemonsets', 'DaemonSet'],
  ['/apis/apps/v1/replicasets', 'ReplicaSet'],
  ['/apis/batch/v1/jobs', 'Job'],
  ['/apis/batch/v1/cronjobs', 'CronJob'],
];

/** The images the cluster's pods and pod templates use, with who uses each (`Deployment shop/api`). */
export async function workloadImages(client: KubeClient, opts: { namespaces?: string[]; signal?: AbortSignal } = {}): Promise<Map<string, string[]>> {
  const images = new Map<string, string[]>();
  for (const [path, kind] of POD_RUNNERS) {
    for await (const page of client.listPages(path, { signal: opts.signal })) {
      for (const obj of page.items) {
        if (opts.namespaces?.length && !opts.namespaces.includes(obj.metadata.namespace ?? '')) continue;
        for (const image of podTemplateImages({ ...obj, kind } as never)) {
          images.set(image, [...(images.get(image) ?? []), `${kind} ${obj.metadata.namespace}/${obj.metadata.name}`]);
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
