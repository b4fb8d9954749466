// The ids of what a backup captures. They are the contract between the sources (which record
// them in the manifest), the inventory (which matches them for coverage), the marked items of
// the TUI and the restore planner: each kind of id is spelled here once.
import type { SourceKind } from './types.ts';

export const ETCD_ITEM_ID = 'etcd:snapshot';
export const dockerVolumeId = (name: string) => `volume:docker/${name}`;
export const persistentVolumeId = (pvName: string) => `volume:pv/${pvName}`;
/** An image by its canonical reference (`docker.io/library/busybox:1`). */
export const imageId = (canonical: string) => `image:${canonical}`;
export const databaseId = (name: string, database: string) => `database:${name}/${database}`;
/** A part of a Prometheus server's capture: `config`, `tsdb`, or `rules/<file>`. */
export const prometheusItemId = (server: string, part: string) => `prometheus:${server}/${part}`;

/** The source an item id belongs to, from its prefix (`kubernetes:`, `volume:`, ...). */
export function sourceOfItem(id: string): SourceKind | undefined {
  const prefix = id.slice(0, id.indexOf(':'));
  const map: Record<string, SourceKind> = { kubernetes: 'kubernetes', volume: 'volumes', image: 'images', etcd: 'etcd', prometheus: 'prometheus', database: 'databases', mariadb: 'mariadb', redis: 'redis', bucket: 'buckets' };
  return map[prefix];
}
