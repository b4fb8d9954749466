/**
 * The garbage collector: when an owner is gone, its dependents (by ownerReferences) go too, in
 * the background, as kube-controller-manager's GC does for Background propagation.
 */
import { benign, type Controller, type ControllerContext } from './framework.ts';

export function garbageCollector(ctx: ControllerContext): Controller {
  return {
    name: 'garbage-collector',
    keysFor: (e) => (e.type === 'delete' && e.object.metadata?.uid ? ctx.cache.dependentsOf(e.object.metadata.uid).map((d) => d.key) : []),
    resync: () => {
      const keys: string[] = [];
      for (const [key, item] of ctx.cache.objects) {
        const refs = item.object.metadata?.ownerReferences ?? [];
        if (refs.length > 0 && refs.every((r: any) => !ctx.cache.hasUid(r.uid))) keys.push(key);
      }
      return keys;
    },
    async reconcile(key) {
      const item = ctx.cache.get(key);
      if (!item) return;
      const refs = item.object.metadata.ownerReferences ?? [];
      if (refs.length === 0 || refs.some((r: any) => ctx.cache.hasUid(r.uid))) return;
      const info = ctx.api.infoOf(item.object);
      if (!info) return;
      await ctx.api.delete(info, item.object.metadata.namespace, item.object.metadata.name, { propagationPolicy: 'Background' }).catch(benign);
    },
  };
}
