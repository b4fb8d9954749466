// The inventory's rows for container images: each image a workload or container uses (and each
// the config names), whether a configured registry or the Docker engine holds it.
import type { ImageObservation } from '../../inventory/classify.ts';
import type { InventoryItem } from '../../inventory/types.ts';
import { withRetry } from '../../jobs/retry.ts';
import type { InventoryContext } from '../source.ts';
import { imageId } from '../item-ids.ts';
import { canonicalName, parseReference } from './reference.ts';
import { RegistryClient, resolveRegistryImage } from './registry.ts';

/** Who uses each image reference: the cluster's workloads first, then Docker's containers. */
export function imageUsers(ctx: InventoryContext): Map<string, string[]> {
  const usedBy = new Map<string, string[]>();
  for (const users of [ctx.cluster?.imageUsers, ctx.docker?.imageUsers]) {
    for (const [ref, who] of users ?? []) usedBy.set(ref, [...(usedBy.get(ref) ?? []), ...who]);
  }
  return usedBy;
}

export async function observeImages(ctx: InventoryContext): Promise<ImageObservation[]> {
  const { config, signal } = ctx;
  const usedBy = imageUsers(ctx);
  const engineImages = ctx.docker?.engineImages ?? new Set<string>();
  const registries = (config.registries ?? []).map((r) => new RegistryClient(r, (fn) => withRetry(fn, { signal, attempts: 3 }), signal));
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
  return images;
}

export function classifyImages(images: ImageObservation[]): InventoryItem[] {
  const items: InventoryItem[] = [];
  for (const i of images) {
    const base = { id: i.id, group: i.inRegistry ? 'registries' : 'docker', kind: 'Image', name: i.ref, source: 'images' as const, details: { usedBy: i.usedBy.join(', ') } };
    if (i.usedBy.length === 0) items.push({ ...base, verdict: 'skippable', reason: 'not used by any workload or container' });
    else if (!i.inRegistry && !i.inEngine) {
      items.push({ ...base, verdict: 'at-risk', reason: `found in no configured registry and not in the local Docker engine; used by ${i.usedBy.join(', ')}` });
    } else if (!i.inRegistry) items.push({ ...base, verdict: 'at-risk', reason: `only in the local Docker engine, in no registry; used by ${i.usedBy.join(', ')}` });
    else items.push({ ...base, verdict: 'needs-backup', reason: `in use by ${i.usedBy.join(', ')}` });
  }
  return items;
}
