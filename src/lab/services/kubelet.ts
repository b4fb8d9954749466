/**
 * The lab's kubelets as lab services, one per node (`kubelet-lab-node-1`...): each needs the API
 * server and dockerd, runs src/lab/kubelet/main.ts with the admin token, and keeps the node's
 * hostPath folders and pod folders under its own root (dir/kubelet-<node>/root).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabError, labProgram, spawnService, waitReady } from '../process.ts';
import { servicePort, type LabContext, type ServiceDef, type ServiceState } from '../service.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const KUBELET_PREFIX = 'kubelet-';

/** The node names of a lab of `count` nodes. */
export const labNodeNames = (count: number) => Array.from({ length: count }, (_, i) => `lab-node-${i + 1}`);

function readyFile(state: ServiceState): string {
  return path.join(state.dir, 'root', 'ready');
}

async function healthy(state: ServiceState): Promise<boolean> {
  try {
    return Number(fs.readFileSync(readyFile(state), 'utf8').trim()) === state.pid;
  } catch {
    return false;
  }
}

export function kubeletService(node: string): ServiceDef {
  const name = `${KUBELET_PREFIX}${node}`;
  return {
    name,
    needs: ['kube-apiserver', 'dockerd'],
    async start(lab: LabContext): Promise<ServiceState> {
      const apiserver = lab.started.get('kube-apiserver');
      const docker = lab.started.get('dockerd');
      if (!apiserver || !docker) throw new LabError(`${name}: needs the lab's kube-apiserver and dockerd`);
      const dir = path.join(lab.dir, name);
      const root = path.join(dir, 'root');
      fs.mkdirSync(root, { recursive: true });
      fs.rmSync(path.join(root, 'ready'), { force: true });
      const tokenFile = path.join(dir, 'token');
      const tokens = JSON.parse(fs.readFileSync(apiserver.extra!.tokens, 'utf8')) as { admin: string };
      fs.writeFileSync(tokenFile, `${tokens.admin}\n`, { mode: 0o600 });
      const log = path.join(dir, 'kubelet.log');
      const port = await servicePort(lab, name);
      const program = labProgram('lab/kubelet/main');
      const spawned = spawnService({
        service: name,
        program: program[0]!,
        args: [
          ...program.slice(1),
          '--node', node,
          '--server', apiserver.address,
          '--ca', apiserver.extra!.caCert,
          '--token-file', tokenFile,
          '--docker', docker.extra!.socket,
          '--root', root,
          '--port', String(port),
        ],
        cwd: ROOT,
        logFile: log,
        owner: lab.owner,
      });
      const state: ServiceState = { name, pid: spawned.pid, port, address: `http://127.0.0.1:${port}`, dir, log, extra: { node, root } };
      await waitReady(name, spawned, log, () => healthy(state));
      return state;
    },
    health: healthy,
  };
}
