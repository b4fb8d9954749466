import type { InventoryItem } from '../../inventory/types.ts';
import { databaseId } from '../item-ids.ts';

/** The inventory's row for each configured database: its dump needs a backup. */
export function classifyDatabases(databases: { name: string; database: string; address: string }[]): InventoryItem[] {
  return databases.map((d) => ({ id: databaseId(d.name, d.database), group: 'databases', kind: 'Database', name: `${d.name}/${d.database}`, source: 'databases', verdict: 'needs-backup', reason: `PostgreSQL database at ${d.address}` }));
}
