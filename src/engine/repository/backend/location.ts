// Turns a repository location (a folder or an `s3:` URL, as restic writes them) into a backend.
import path from 'node:path';
import type { Backend } from './backend.ts';
import { LocalBackend } from './local.ts';
import { S3Backend } from './s3.ts';

export function openBackend(location: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Backend {
  if (location.startsWith('s3:')) return new S3Backend(location, env);
  if (/^[a-z0-9]+:/.test(location) && !location.startsWith('local:')) {
    throw new Error(`repository location ${location}: only local folders and s3: URLs are supported`);
  }
  return new LocalBackend(path.resolve(cwd, location.replace(/^local:/, '')));
}
