/**
 * A lab kubelet as a process (the lab's `kubelet-<node>` services):
 *   run-ts src/lab/kubelet/main.ts --node NAME --server URL --ca FILE --token-file FILE --docker SOCKET --root DIR [--port P]
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import Docker from 'dockerode';
import { ApiClient } from './api-client.ts';
import { Kubelet } from './kubelet.ts';
import { startKubeletServer } from './server.ts';

const { values } = parseArgs({
  options: {
    node: { type: 'string' },
    server: { type: 'string' },
    ca: { type: 'string' },
    'token-file': { type: 'string' },
    docker: { type: 'string' },
    root: { type: 'string' },
    port: { type: 'string' },
  },
});
if (!values.node || !values.server || !values.ca || !values['token-file'] || !values.docker || !values.root) {
  console.error('usage: main.ts --node NAME --server URL --ca FILE --token-file FILE --docker SOCKET --root DIR');
  process.exit(2);
}
fs.mkdirSync(values.root, { recursive: true });
const token = fs.readFileSync(values['token-file'], 'utf8').trim();
const api = new ApiClient({ server: values.server, ca: fs.readFileSync(values.ca, 'utf8'), token });
const docker = new Docker({ socketPath: values.docker });
const server = await startKubeletServer({ node: values.node, docker, token, port: values.port ? Number(values.port) : 0 });
const kubelet = new Kubelet({ node: values.node, api, docker, dirs: { root: values.root }, port: server.port, apiServer: values.server });
await kubelet.start();
fs.writeFileSync(`${values.root}/ready`, `${process.pid}\n`);
console.log(`lab kubelet for ${values.node} running (docker ${values.docker})`);
const stop = async () => {
  await kubelet.stop();
  await server.close();
  api.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
