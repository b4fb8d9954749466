// The one parser of repository locations, as restic reads them: `local:PATH`, `s3:URL`, or a
// plain path. restic's other schemes, and anything else that looks like `word:...` but is not a
// path, are refused here rather than silently made into a local folder of that name.
import path from 'node:path';
import type { Backend } from './backend.ts';
import { LocalBackend } from './local.ts';
import { S3Backend } from './s3.ts';
import { RepositoryConfigError } from '../errors.ts';

export type RepositoryLocation = { scheme: 'local'; path: string } | { scheme: 's3'; url: string };

const SUPPORTED = 'lifeboat supports local folders (PATH or local:PATH) and s3: URLs';
const RESTIC_ONLY = ['sftp', 'rest', 'b2', 'azure', 'gs', 'swift', 'rclone'];

/** Reads a location; a relative path is taken from `cwd`. Throws RepositoryConfigError (a usage mistake). */
export function parseLocation(location: string, cwd = process.cwd()): RepositoryLocation {
  if (location.startsWith('s3:')) return { scheme: 's3', url: location };
  if (location.startsWith('local:')) {
    const dir = location.slice('local:'.length);
    if (!dir) throw new RepositoryConfigError(`repository location ${location} names no folder: write local:PATH`);
    return { scheme: 'local', path: path.resolve(cwd, dir) };
  }
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(location)?.[1];
  if (scheme && RESTIC_ONLY.includes(scheme)) {
    throw new RepositoryConfigError(`repository location ${location}: the ${scheme}: backend is not supported; ${SUPPORTED}`);
  }
  // As restic: a string with a colon that is not plainly a path is ambiguous, not a folder.
  const plainPath = location.startsWith('/') || location.startsWith('./') || location.startsWith('../');
  if (scheme && !plainPath) {
    throw new RepositoryConfigError(`repository location ${location}: unknown scheme ${scheme}:; ${SUPPORTED} (a folder whose name has a colon: write local:${location})`);
  }
  if (!location) throw new RepositoryConfigError(`repository location is empty: ${SUPPORTED}`);
  return { scheme: 'local', path: path.resolve(cwd, location) };
}

/** The location as lifeboat prints it: the absolute folder, or the s3: URL. */
export function locationText(location: RepositoryLocation): string {
  return location.scheme === 's3' ? location.url : location.path;
}

export function openBackend(location: string | RepositoryLocation, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Backend {
  const loc = typeof location === 'string' ? parseLocation(location, cwd) : location;
  return loc.scheme === 's3' ? new S3Backend(loc.url, env) : new LocalBackend(loc.path);
}
