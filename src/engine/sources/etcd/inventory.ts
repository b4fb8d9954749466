import type { InventoryItem } from '../../inventory/types.ts';
import { ETCD_ITEM_ID } from '../item-ids.ts';

/** The inventory's row for etcd, named by its endpoints. */
export function classifyEtcd(endpoints: string[]): InventoryItem[] {
  return endpoints.map((e) => ({ id: ETCD_ITEM_ID, group: 'etcd', kind: 'etcd', name: e, source: 'etcd', verdict: 'needs-backup', reason: "the cluster's database: every object, in one snapshot" }));
}
