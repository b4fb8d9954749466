/**
 * A lab kubelet as a process (the lab's `kubelet-<node>` services):
 *   run-ts src/lab/kubelet/main.ts --node NAME --server URL --ca FILE --token-file FILE --docker SOCKET --root DIR
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import Docker from 'dockerode';
import { ApiClient } from './api-client.ts';
import { Kubelet } from './kubelet.ts';

const { values } = parseArgs({
  options: {
    node: { type: 'string' },
    server: { type: 'string' },
    ca: { type: 'string' },
    'token-file': { type: 'string' },
    docker: { type: 'string' },
    root: { type: 'string' },
  },
});
if (!values.node || !values.server || !values.ca || !values['token-file'] || !values.docker || !values.root) {
  console.error('usage: main.ts --node NAME --server URL --ca FILE --token-file FILE --docker SOCKET --root DIR');
  process.exit(2);
}
fs.mkdirSync(values.root, { recursive: true });
const api = new ApiClient({ server: values.server, ca: fs.readFileSync(values.ca, 'utf8'), token: fs.readFileSync(values['token-file'], 'utf8').trim() });
const kubelet = new Kubelet({ node: values.node, api, docker: new Docker({ socketPath: values.docker }), dirs: { root: values.root } });
await kubelet.start();
fs.writeFileSync(`${values.root}/ready`, `${process.pid}\n`);
console.log(`lab kubelet for ${values.node} running (docker ${values.docker})`);
const stop = async () => {
  await kubelet.stop();
  api.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
