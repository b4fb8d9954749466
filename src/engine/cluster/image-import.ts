// Puts the lifeboat image into a Docker engine (import of the root filesystem tar) and, when
// asked, pushes it to a registry.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { buildRootfs, ImageBuildError, imageChanges, splitReference } from './image.ts';

/** lifeboat's own folder (package.json, bin/, dist/, node_modules), from src/ or dist/ alike. */
export function lifeboatAppDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
}

/** Reads a Docker progress stream to its end; an error line in it is an error. */
async function drain(stream: NodeJS.ReadableStream, what: string): Promise<string> {
  let output = '';
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => (output += chunk.toString()));
    stream.on('end', () => resolve());
    stream.on('error', reject);
  });
  for (const line of output.split('\n')) {
    if (!line.trim()) continue;
    let msg: { error?: string; errorDetail?: { message?: string } };
    try {
      msg = JSON.parse(line);
    } catch {
      continue;
    }
    if (msg.error) throw new ImageBuildError(`${what} failed: ${msg.errorDetail?.message ?? msg.error}`);
  }
  return output;
}

export interface BuiltImage {
  ref: string;
  id: string;
  size: number;
  pushed?: string;
}

export interface BuildImageOptions {
  docker: Docker;
  /** repo:tag of the image. */
  ref: string;
  /** A registry (host:port) to push `<registry>/<repo>:<tag>` to. */
  push?: string;
  appDir?: string;
  onStep?(step: string): void;
}

export async function buildImage(opts: BuildImageOptions): Promise<BuiltImage> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-image-'));
  try {
    await opts.docker.ping();
    opts.onStep?.('writing the root filesystem');
    const rootfs = buildRootfs({ appDir: opts.appDir ?? lifeboatAppDir(), workDir: work });
    const { repo, tag } = splitReference(opts.ref);
    opts.onStep?.(`importing ${repo}:${tag}`);
    const stream = (await opts.docker.importImage(rootfs.tar, { repo, tag, changes: imageChanges() } as never)) as unknown as NodeJS.ReadableStream;
    await drain(stream, `importing ${repo}:${tag}`);
    const info = await opts.docker.getImage(`${repo}:${tag}`).inspect();
    const built: BuiltImage = { ref: `${repo}:${tag}`, id: info.Id, size: info.Size };
    if (opts.push) {
      const registry = opts.push.replace(/^[a-z]+:\/\//, '').replace(/\/+$/, '');
      const target = `${registry}/${repo.split('/').pop()}`;
      opts.onStep?.(`pushing ${target}:${tag}`);
      await opts.docker.getImage(`${repo}:${tag}`).tag({ repo: target, tag });
      await drain((await opts.docker.getImage(`${target}:${tag}`).push({ tag } as never)) as unknown as NodeJS.ReadableStream, `pushing ${target}:${tag}`);
      built.pushed = `${target}:${tag}`;
    }
    return built;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
