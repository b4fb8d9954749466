// Helpers for the in-cluster tests: the real lifeboat command with deadlines long enough for a
// loaded 2-core machine, and kubectl on the lab.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { LIFEBOAT, ROOT, type Ran } from '../lab/helpers.ts';

const run = promisify(execFile);

export function lb(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 900_000): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(process.execPath, [LIFEBOAT, ...args], { env, cwd: ROOT, timeout: timeoutMs, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

export function kubectlOn(kubeconfig: string) {
  const kubectl = async (...args: string[]): Promise<string> => (await run('kubectl', args, { env: { ...process.env, KUBECONFIG: kubeconfig }, maxBuffer: 64 << 20 })).stdout;
  const json = async (...args: string[]) => JSON.parse(await kubectl(...args, '-o', 'json'));
  return { kubectl, json };
}
