// `lifeboat image build`: the container image that `lifeboat install` runs in the cluster.
import type { Command } from '../command.ts';
import { CliError, EXIT } from '../errors.ts';

export const DEFAULT_IMAGE_REPO = 'lifeboat';

const buildCommand: Command = {
  name: 'build',
  summary: 'build the lifeboat image into the configured Docker engine (nothing is pulled)',
  details: `The image is made from this machine: the compiled lifeboat, its production packages, the node
binary and the shared libraries ldd names, imported as one layer (docker import). Docker is
docker.host in lifeboat.yaml, else DOCKER_HOST, else /var/run/docker.sock. To build from a public
node image instead, use the Dockerfile in lifeboat's folder.`,
  options: { tag: { type: 'string', short: 't' }, push: { type: 'string' } },
  optionHelp: {
    tag: 'image name and tag (default lifeboat:<version>)',
    push: 'also push it to this registry (host:port), as <registry>/lifeboat:<tag>',
  },
  async run(ctx) {
    const { loadEnvironmentConfig } = await import('../environment.ts');
    const { dockerClient } = await import('../../engine/environment/probe.ts');
    const { buildImage } = await import('../../engine/cluster/image-import.ts');
    const { ImageBuildError } = await import('../../engine/cluster/image.ts');
    const { LIFEBOAT_VERSION } = await import('../../engine/version.ts');
    const { formatBytes } = await import('../../components/format.ts');
    const host = loadEnvironmentConfig(ctx).config.docker?.host ?? (ctx.env.DOCKER_HOST || 'unix:///var/run/docker.sock');
    const ref = (ctx.values.tag as string | undefined) ?? `${DEFAULT_IMAGE_REPO}:${LIFEBOAT_VERSION}`;
    try {
      const built = await buildImage({
        docker: dockerClient(host),
        ref,
        push: ctx.values.push as string | undefined,
        onStep: (s) => (ctx.globals.json ? undefined : ctx.err(`${s}...`)),
      });
      if (ctx.globals.json) ctx.json(built);
      else {
        ctx.out(`built ${built.ref} (${built.id.replace(/^sha256:/, '').slice(0, 12)}, ${formatBytes(built.size)}) in ${host}`);
        if (built.pushed) ctx.out(`pushed ${built.pushed}`);
      }
      return EXIT.ok;
    } catch (e) {
      if (e instanceof ImageBuildError) throw new CliError(e.message);
      const msg = (e as Error).message ?? String(e);
      if (/ECONNREFUSED|ENOENT|EACCES/.test(msg)) throw new CliError(`cannot reach Docker at ${host} (${msg.split('\n')[0]}): set docker.host in lifeboat.yaml or DOCKER_HOST`);
      throw new CliError(`image build failed: ${msg.split('\n')[0]}`);
    }
  },
};

export const imageCommand: Command = {
  name: 'image',
  summary: 'the lifeboat container image (for lifeboat install)',
  subcommands: [buildCommand],
};
