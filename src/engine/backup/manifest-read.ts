import type { Repository } from '../repository/repository.ts';
import { findPath, readFile } from '../repository/reader.ts';
import type { SnapshotInfo } from '../repository/snapshot.ts';
import { SNAPSHOT_PATHS } from '../sources/sink.ts';
import { MANIFEST_FORMAT, type Manifest } from './manifest.ts';

/** The manifest of a lifeboat snapshot; undefined for a snapshot lifeboat did not make (e.g. restic's). */
export async function readManifest(repo: Repository, snap: SnapshotInfo): Promise<Manifest | undefined> {
  let node;
  try {
    node = (await findPath(repo, snap, SNAPSHOT_PATHS.manifest)).node;
  } catch {
    return undefined;
  }
  const chunks: Buffer[] = [];
  for await (const c of readFile(repo, node)) chunks.push(c);
  const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Manifest;
  return parsed.format === MANIFEST_FORMAT ? parsed : undefined;
}
