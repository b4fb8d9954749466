// The lifeboat container image, made from what is on this machine: these machines pull nothing,
// so there is no base image. The root filesystem holds the compiled lifeboat (dist/, bin/,
// package.json), its production node_modules, the node binary and every shared library `ldd`
// names for node and for the native addons; it is imported as one layer (Docker's
// /images/create?fromSrc=-, what `docker import` does). Users with a network use the Dockerfile.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Where things are inside the image. */
export const IMAGE_APP_DIR = '/opt/lifeboat';
export const IMAGE_NODE = '/usr/local/bin/node';
export const IMAGE_ENTRYPOINT = [IMAGE_NODE, `${IMAGE_APP_DIR}/bin/lifeboat.js`];

export class ImageBuildError extends Error {}

interface PackageJson {
  name?: string;
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

function readPackage(dir: string): PackageJson {
  return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as PackageJson;
}

/** Node's lookup: `name` in node_modules of `from`, then of each parent up to `root`. */
function resolvePackage(name: string, from: string, root: string): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === root || path.dirname(dir) === dir) return undefined;
  }
}

/**
 * The folders of every package the app needs at run time: its dependencies and theirs
 * (optional ones when installed), found the way node finds them; dev dependencies stay out.
 */
export function productionPackages(appDir: string): string[] {
  const found = new Set<string>();
  const queue: string[] = [appDir];
  while (queue.length) {
    const dir = queue.shift()!;
    const pkg = readPackage(dir);
    const wanted = [...Object.keys(pkg.dependencies ?? {}).map((n) => [n, true] as const), ...Object.keys(pkg.optionalDependencies ?? {}).map((n) => [n, false] as const)];
    for (const [name, required] of wanted) {
      const at = resolvePackage(name, dir, appDir);
      if (!at) {
        if (required) throw new ImageBuildError(`${name} (needed by ${pkg.name ?? dir}) is not installed in ${appDir}: run 'npm ci' there first`);
        continue;
      }
      if (!found.has(at)) {
        found.add(at);
        queue.push(at);
      }
    }
  }
  return [...found].sort();
}

/** Shared libraries (absolute paths, the loader included) that `ldd` names for a binary. */
export function sharedLibraries(file: string): string[] {
  let out: string;
  try {
    out = execFileSync('ldd', [file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const text = String((e as { stdout?: string }).stdout ?? '') + String((e as { stderr?: string }).stderr ?? '');
    if (/not a dynamic executable|statically linked/.test(text)) return [];
    throw new ImageBuildError(`ldd ${file} failed: ${text.trim().split('\n')[0] || (e as Error).message}; install ldd (Debian: libc-bin)`);
  }
  const libs: string[] = [];
  for (const line of out.split('\n')) {
    if (/not found/.test(line)) throw new ImageBuildError(`${file} needs a library this machine does not have: ${line.trim()}`);
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) libs.push(m[1]!);
  }
  return libs;
}

function copyTree(from: string, to: string, skip: (p: string) => boolean): void {
  fs.mkdirSync(to, { recursive: true });
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, e.name);
    if (skip(src)) continue;
    const dst = path.join(to, e.name);
    if (e.isDirectory()) copyTree(src, dst, skip);
    else if (e.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(src), dst);
    else if (e.isFile()) fs.copyFileSync(src, dst);
  }
}

/** Copies a file to the same absolute path under `root`, following symlinks (the content counts). */
function copyInto(root: string, file: string, mode?: number): void {
  const dst = path.join(root, file);
  if (fs.existsSync(dst)) return;
  fs.mkdirSync(path.dirname(dst), { recursive: true });
  fs.copyFileSync(fs.realpathSync(file), dst);
  if (mode !== undefined) fs.chmodSync(dst, mode);
}

/** A prebuilt addon folder for another platform (prebuilds/<platform>-<arch>...): not needed here. */
function foreignPrebuild(p: string): boolean {
  const parent = path.basename(path.dirname(p));
  return parent === 'prebuilds' && !path.basename(p).startsWith(`${process.platform}-${process.arch}`);
}

function nativeAddons(dir: string, into: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) nativeAddons(p, into);
    else if (e.isFile() && e.name.endsWith('.node')) into.push(p);
  }
  return into;
}

export interface RootfsOptions {
  /** lifeboat's folder: package.json, bin/, dist/ (built) and node_modules (installed). */
  appDir: string;
  /** A folder for the root filesystem and its tar. */
  workDir: string;
  /** The node binary to ship; default the one running. */
  nodeBinary?: string;
}

export interface Rootfs {
  tar: string;
  /** Packages copied (production dependencies). */
  packages: number;
  /** Shared libraries copied. */
  libraries: string[];
}

/** Writes the image's root filesystem as a tar in `workDir`. */
export function buildRootfs(opts: RootfsOptions): Rootfs {
  const appDir = path.resolve(opts.appDir);
  if (!fs.existsSync(path.join(appDir, 'dist', 'cli', 'main.js'))) {
    throw new ImageBuildError(`lifeboat is not built in ${appDir} (dist/cli/main.js is missing): run 'npm run build' there first`);
  }
  const node = opts.nodeBinary ?? process.execPath;
  const root = path.join(opts.workDir, 'rootfs');
  fs.rmSync(root, { recursive: true, force: true });
  const app = path.join(root, IMAGE_APP_DIR);
  fs.mkdirSync(app, { recursive: true });
  fs.copyFileSync(path.join(appDir, 'package.json'), path.join(app, 'package.json'));
  copyTree(path.join(appDir, 'bin'), path.join(app, 'bin'), () => false);
  // Source maps and declarations are not needed to run.
  copyTree(path.join(appDir, 'dist'), path.join(app, 'dist'), (p) => p.endsWith('.map'));
  const packages = productionPackages(appDir);
  for (const pkg of packages) {
    const rel = path.relative(appDir, pkg);
    // A package's own node_modules holds nested packages, copied only when needed (they are in the list).
    copyTree(pkg, path.join(app, rel), (p) => (path.basename(p) === 'node_modules' && path.dirname(p) === pkg) || foreignPrebuild(p));
  }
  copyInto(root, node, 0o755);
  fs.mkdirSync(path.dirname(path.join(root, IMAGE_NODE)), { recursive: true });
  if (path.resolve(node) !== IMAGE_NODE) fs.copyFileSync(path.join(root, node), path.join(root, IMAGE_NODE));
  fs.chmodSync(path.join(root, IMAGE_NODE), 0o755);
  const libraries = new Set<string>(sharedLibraries(node));
  for (const addon of nativeAddons(path.join(app, 'node_modules'))) for (const lib of sharedLibraries(addon)) libraries.add(lib);
  for (const lib of libraries) copyInto(root, lib, 0o755);
  fs.mkdirSync(path.join(root, 'tmp'), { mode: 0o1777 });
  fs.chmodSync(path.join(root, 'tmp'), 0o1777);
  fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
  // Node asks for the user name (os.userInfo) and resolves names with these files.
  fs.writeFileSync(path.join(root, 'etc', 'passwd'), 'root:x:0:0:root:/tmp:/nonexistent\nnobody:x:65534:65534:nobody:/tmp:/nonexistent\n');
  fs.writeFileSync(path.join(root, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
  fs.writeFileSync(path.join(root, 'etc', 'nsswitch.conf'), 'hosts: files dns\n');
  fs.writeFileSync(path.join(root, 'etc', 'hosts'), '127.0.0.1 localhost\n');
  for (const ca of ['/etc/ssl/certs/ca-certificates.crt']) if (fs.existsSync(ca)) copyInto(root, ca);
  const tar = path.join(opts.workDir, 'lifeboat-rootfs.tar');
  try {
    execFileSync('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', root, '-cf', tar, '.'], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    throw new ImageBuildError(`tar of the image's root filesystem failed: ${String((e as { stderr?: Buffer }).stderr ?? (e as Error).message).trim().split('\n')[0]}`);
  }
  fs.rmSync(root, { recursive: true, force: true });
  return { tar, packages: packages.length, libraries: [...libraries].sort() };
}

/** The image's config, as `docker import --change` lines. */
export function imageChanges(): string[] {
  return [
    `ENTRYPOINT ${JSON.stringify(IMAGE_ENTRYPOINT)}`,
    'ENV HOME=/tmp',
    'ENV NODE_ENV=production',
    `WORKDIR /tmp`,
    'LABEL org.opencontainers.image.title=lifeboat',
  ];
}

/** Splits `repo:tag` (a registry port is not a tag). */
export function splitReference(ref: string): { repo: string; tag: string } {
  const lastColon = ref.lastIndexOf(':');
  if (lastColon < 0 || lastColon < ref.lastIndexOf('/')) return { repo: ref, tag: 'latest' };
  return { repo: ref.slice(0, lastColon), tag: ref.slice(lastColon + 1) };
}
