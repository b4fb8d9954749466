// Where a repository's files live. A backend knows nothing of encryption or formats: it stores
// named, immutable files. Names are restic's layout: `config`, `keys/ID`, `data/XX/ID`,
// `index/ID`, `snapshots/ID`, `locks/ID`.

export type FileType = 'data' | 'index' | 'snapshots' | 'keys' | 'locks';

export const FILE_TYPES: FileType[] = ['data', 'index', 'snapshots', 'keys', 'locks'];

export interface FileInfo {
  /** The file's id (its name without folders). */
  id: string;
  size: number;
}

export interface Backend {
  /** Shown to users: a folder or an s3: URL. */
  readonly location: string;
  /** Makes the folders of an empty repository. */
  create(): Promise<void>;
  exists(name: string): Promise<boolean>;
  /** Reads a whole file, or `length` bytes at `offset` (negative offset: from the end). */
  read(name: string, offset?: number, length?: number): Promise<Buffer>;
  /** Stores a file atomically: readers see all of it or none of it. */
  write(name: string, data: Uint8Array): Promise<void>;
  remove(name: string): Promise<void>;
  /** The files of one type; ids that are not 64 hex digits (temporary files) are left out. */
  list(type: FileType): Promise<FileInfo[]>;
  size(name: string): Promise<number>;
  /**
   * Temporary files an interrupted write left (`<name>-tmp-<random>`, as lifeboat and restic write
   * them before the rename), by their names relative to the repository. Backends that write
   * atomically (S3) have none and leave this out. Remove one with `remove(name)`.
   */
  listTemporary?(): Promise<FileInfo[]>;
  close(): Promise<void>;
}

export const TEMPORARY_RE = /^[0-9a-f]{64}-tmp-[A-Za-z0-9]+$/;

const ID_RE = /^[0-9a-f]{64}$/;

export function isId(name: string): boolean {
  return ID_RE.test(name);
}

/** The name of a repository file of the given type and id, in restic's default layout. */
export function fileName(type: FileType, id: string): string {
  return type === 'data' ? `data/${id.slice(0, 2)}/${id}` : `${type}/${id}`;
}
