// Where a source writes what it captures: files at paths of the snapshot's tree. The repository
// implements it (see repository-sink.ts); a source never knows how its bytes are stored.

export interface FileMeta {
  /** POSIX mode bits (permissions), default 0o644. */
  mode?: number;
  mtime?: Date;
  uid?: number;
  gid?: number;
}

export interface TreeProgress {
  bytes: number;
  items: number;
}

export interface SnapshotSink {
  /**
   * Adds small content as a file. `path` is absolute inside the snapshot and uses '/', e.g.
   * `/kubernetes/apps/v1/deployments/shop/api.yaml`; parent folders are made as needed.
   */
  addFile(path: string, data: Uint8Array | string, meta?: FileMeta): Promise<void>;
  /** Streams content in as a file (an etcd snapshot, a layer, a dump); `onBytes` gets running totals. */
  addStream(
    path: string,
    stream: AsyncIterable<Uint8Array>,
    opts?: FileMeta & { onBytes?(total: number): void; signal?: AbortSignal },
  ): Promise<{ size: number }>;
  /**
   * Keeps the file at `path` as the parent snapshot (the previous backup) has it, without reading
   * it again; false when the parent has none. Optional: a sink without a parent has none.
   */
  keepFromParent?(path: string): Promise<boolean>;
  /** Adds a folder from disk (files, folders, symlinks, modes, times, owners) at `path`. */
  addTree(path: string, dir: string, opts?: { onProgress?(p: TreeProgress): void; signal?: AbortSignal }): Promise<TreeProgress>;
}

/** The top folders of a lifeboat snapshot, one per source. */
export const SNAPSHOT_PATHS = {
  manifest: '/lifeboat/manifest.json',
  kubernetes: '/kubernetes',
  etcd: '/etcd',
  volumes: '/volumes',
  images: '/images',
  prometheus: '/prometheus',
  databases: '/databases',
} as const;
