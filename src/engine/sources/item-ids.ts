// The ids of what a backup captures. They are the contract between the sources (which record
// them in the manifest), the inventory (which matches them for coverage), the marked items of
// the TUI and the restore planner: each kind of id is spelled here once. Which source a prefix
// belongs to is the registry's (sourceOfItem in registry.ts).

export const ETCD_ITEM_ID = 'etcd:snapshot';
export const dockerVolumeId = (name: string) => `volume:docker/${name}`;
export const persistentVolumeId = (pvName: string) => `volume:pv/${pvName}`;
/** An image by its canonical reference (`docker.io/library/busybox:1`). */
export const imageId = (canonical: string) => `image:${canonical}`;
export const databaseId = (name: string, database: string) => `database:${name}/${database}`;
/** A part of a Prometheus server's capture: `config`, `tsdb`, or `rules/<file>`. */
export const prometheusItemId = (server: string, part: string) => `prometheus:${server}/${part}`;
