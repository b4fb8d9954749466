// One seeded lab for a test file: every service, `lab seed`'s environment, and the lab's own
// repository, with the environment the real `lifeboat` command needs to use them.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';
import { REPOSITORY_DIR, REPOSITORY_PASSWORD_FILE, startLab, type Lab } from '../../src/lab/lab.ts';
import { seedKubernetes } from '../../src/lab/seed/kubernetes.ts';
import { seedServices, type SeededServices } from '../../src/lab/seed/services.ts';
import { LocalBackend, Repository } from '../../src/engine/repository/index.ts';
import { lifeboatAsync, type CliResult } from '../helpers/cli.ts';

const run = promisify(execFile);

export interface SeededLab {
  lab: Lab;
  seeded: SeededServices;
  /** Environment for the lifeboat command and the reference tools (KUBECONFIG, DOCKER_HOST...). */
  env: NodeJS.ProcessEnv;
  /** Runs the real lifeboat command on the lab. */
  lifeboat(args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult>;
  kubectl(args: string[]): Promise<string>;
  /** The lab's repository, opened. */
  openRepository(): Promise<Repository>;
  repositoryDir: string;
}

export function seededLab(): SeededLab {
  const s = {} as SeededLab;
  beforeAll(async () => {
    s.lab = await startLab({ owner: process.pid });
    s.seeded = await seedServices(s.lab.services);
    await seedKubernetes(s.lab.kubeconfig, s.lab.dir, { registry: s.seeded.registry });
    s.env = { ...s.lab.env, LIFEBOAT_CONFIG: s.lab.configFile, KUBECONFIG: s.lab.kubeconfig, HOME: s.lab.dir };
    s.lifeboat = (args, env = {}) => lifeboatAsync(args, { env: { ...s.env, ...env }, timeout: 300_000 });
    s.kubectl = async (args) => (await run('kubectl', args, { env: { ...process.env, ...s.env }, maxBuffer: 256 * 1024 * 1024 })).stdout;
    s.repositoryDir = path.join(s.lab.dir, REPOSITORY_DIR);
    const password = fs.readFileSync(path.join(s.lab.dir, REPOSITORY_PASSWORD_FILE), 'utf8').trim();
    s.openRepository = () => Repository.open(new LocalBackend(s.repositoryDir), password);
  });
  afterAll(async () => {
    await s.lab?.stop();
  });
  return s;
}
