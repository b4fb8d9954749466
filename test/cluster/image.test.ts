// `lifeboat image build` on the lab's dockerd: the image runs lifeboat, with nothing pulled, and
// --push puts it into the lab's registry.
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifeboat } from '../lab/helpers.ts';
import { startLab, type Lab } from '../../src/lab/lab.ts';
import { LIFEBOAT_VERSION } from '../../src/engine/version.ts';

let lab: Lab;
let docker: Docker;

beforeAll(async () => {
  lab = await startLab({ owner: process.pid, services: ['dockerd', 'registry'] });
  docker = new Docker({ socketPath: lab.services.dockerd!.extra!.socket as string });
}, 120_000);

afterAll(async () => {
  await lab?.stop();
});

/** Runs the image with `args` (no network) and gives its exit code and output. */
async function runImage(image: string, args: string[], env: string[] = []): Promise<{ code: number; output: string }> {
  const c = await docker.createContainer({ Image: image, Cmd: args, Env: env, HostConfig: { NetworkMode: 'none' } });
  try {
    await c.start();
    const { StatusCode } = await c.wait();
    const logs = (await c.logs({ stdout: true, stderr: true })) as unknown as Buffer;
    // Strip Docker's 8-byte stream frame headers.
    let output = '';
    for (let i = 0; i + 8 <= logs.length; ) {
      const n = logs.readUInt32BE(i + 4);
      output += logs.subarray(i + 8, i + 8 + n).toString();
      i += 8 + n;
    }
    return { code: StatusCode, output };
  } finally {
    await c.remove({ force: true });
  }
}

describe('lifeboat image build', () => {
  it('imports an image that runs lifeboat --version and makes a repository (native addons load), and pushes it to a registry', async () => {
    const registry = lab.services.registry!.address.replace(/^http:\/\//, '');
    const r = await lifeboat(['image', 'build', '--tag', 'lifeboat:test', '--push', registry], { ...process.env, ...lab.env });
    expect(r.stderr).not.toMatch(/failed/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^built lifeboat:test \([0-9a-f]{12}, /m);
    expect(r.stdout).toContain(`pushed ${registry}/lifeboat:test`);

    const version = await runImage('lifeboat:test', ['--version']);
    expect(version).toEqual({ code: 0, output: `lifeboat ${LIFEBOAT_VERSION}\n` });
    // The native addons (libsodium, zstd) load inside the image: a repository is made and read.
    const repo = await runImage('lifeboat:test', ['repo', 'init', '--repo', '/tmp/r', '--json'], ['LIFEBOAT_PASSWORD=pw']);
    expect(repo.output).toMatch(/"location": "\/tmp\/r"/);
    expect(repo.code).toBe(0);

    const tags = await (await fetch(`${lab.services.registry!.address}/v2/lifeboat/tags/list`)).json();
    expect(tags).toEqual({ name: 'lifeboat', tags: ['test'] });
  }, 600_000);

  it('names Docker it cannot reach, exit 1', async () => {
    const r = await lifeboat(['image', 'build'], { ...process.env, DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot reach Docker at unix:\/\/\/nonexistent\/docker.sock/);
  });
});
