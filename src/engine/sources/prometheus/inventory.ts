import type { InventoryItem } from '../../inventory/types.ts';
import { prometheusItemId } from '../item-ids.ts';

/** The inventory's row for each Prometheus server: its configuration and rules need a backup. */
export function classifyPrometheus(servers: { name: string; url: string }[]): InventoryItem[] {
  return servers.map((p) => ({ id: prometheusItemId(p.name, 'config'), group: 'prometheus', kind: 'Prometheus', name: p.name, source: 'prometheus', verdict: 'needs-backup', reason: `configuration and rules of ${p.url}` }));
}
