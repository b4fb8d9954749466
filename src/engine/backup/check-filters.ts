// A backup's filters checked against the cluster before anything is written: a resource or
// namespace that does not exist would otherwise give an empty "complete" snapshot.
import { didYouMean, InvalidRequestError } from '../errors.ts';
import type { KubeClient } from '../kube/client.ts';
import { discover, namesResource, resourceName } from '../kube/discovery.ts';
import { parseSelector } from '../kube/selector.ts';

export interface FiltersToCheck {
  namespaces?: string[];
  resources?: string[];
  excludeResources?: string[];
  labelSelector?: string;
}

/**
 * Throws an InvalidRequestError naming the first filter that names nothing. When the cluster
 * cannot be reached, the names are left unchecked: the kubernetes job then fails and says why.
 */
export async function checkFilters(client: KubeClient | undefined, f: FiltersToCheck, signal?: AbortSignal): Promise<void> {
  if (f.labelSelector !== undefined) parseSelector(f.labelSelector);
  if (!client) return;
  try {
    const names = [...(f.resources ?? []), ...(f.excludeResources ?? [])];
    if (names.length) {
      const { resources } = await discover(client, { signal });
      for (const n of names) {
        if (resources.some((r) => namesResource(r, n))) continue;
        const known = resources.flatMap((r) => [resourceName(r), r.resource, r.kind]);
        throw new InvalidRequestError(`the cluster serves no resource '${n}'${didYouMean(n, known)}`);
      }
    }
    if (f.namespaces?.length) {
      const list = await client.get<{ items: { metadata: { name: string } }[] }>('/api/v1/namespaces', { signal });
      const existing = list.items.map((i) => i.metadata.name);
      for (const ns of f.namespaces) {
        if (!existing.includes(ns)) throw new InvalidRequestError(`namespace '${ns}' does not exist in the cluster${didYouMean(ns, existing)}`);
      }
    }
  } catch (e) {
    // An unreachable cluster, or no right to list namespaces: the job will say what it can see.
    if (e instanceof InvalidRequestError || signal?.aborted) throw e;
  }
}
