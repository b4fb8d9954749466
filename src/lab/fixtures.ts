// Things to put into a lab for tests and demos: nothing can be pulled here, so images are made
// locally from Debian's static busybox.
import fs from 'node:fs';
import path from 'node:path';
import { requireProgram, runSync } from './process.ts';

/** Commands linked to busybox in the image. */
const APPLETS = ['sh', 'ls', 'cat', 'echo', 'sleep', 'mkdir', 'rm', 'touch', 'wc', 'sha256sum', 'date', 'true'];

/**
 * Writes a root filesystem tar of a busybox image (for `docker import` or /images/create) into
 * `dir` and returns its path.
 */
export function busyboxRootfsTar(dir: string): string {
  const busybox = requireProgram('busybox image', '/bin/busybox');
  const root = path.join(dir, 'busybox-rootfs');
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(path.join(root, 'bin'), { recursive: true });
  fs.mkdirSync(path.join(root, 'tmp'), { mode: 0o1777 });
  fs.copyFileSync(busybox, path.join(root, 'bin', 'busybox'));
  fs.chmodSync(path.join(root, 'bin', 'busybox'), 0o755);
  for (const applet of APPLETS) fs.symlinkSync('busybox', path.join(root, 'bin', applet));
  const tar = path.join(dir, 'busybox-rootfs.tar');
  runSync('busybox image', 'tar', ['-C', root, '-cf', tar, '.']);
  fs.rmSync(root, { recursive: true, force: true });
  return tar;
}

/** A Docker importer (dockerode's `importImage`), without tying this module to dockerode. */
interface Importer {
  importImage(file: string, options: { repo: string; tag: string }): Promise<NodeJS.ReadableStream>;
}

/** Imports the busybox image into a Docker engine as `repo:tag` (default lab/busybox:1). */
export async function importBusybox(docker: Importer, workDir: string, ref = 'lab/busybox:1'): Promise<string> {
  const [repo, tag = 'latest'] = ref.split(/:(?=[^/]*$)/);
  const stream = await docker.importImage(busyboxRootfsTar(workDir), { repo: repo!, tag });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => (output += chunk.toString()));
    stream.on('end', () => resolve());
    stream.on('error', reject);
  });
  if (/"error"/.test(output)) throw new Error(`importing ${ref} failed: ${output.trim().slice(0, 300)}`);
  return ref;
}
