/**
 * The API server as a process (the lab's `kube-apiserver` service):
 *   run-ts src/lab/kube-apiserver/main.ts --port P --etcd URL --dir DIR [--tokens FILE] [--log]
 * DIR holds apiserver.crt/.key (from certs.ts) and the hostPath volumes; FILE is JSON
 * {"admin": "...", "readonly": "..."}.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startApiServer } from './server.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    etcd: { type: 'string' },
    dir: { type: 'string' },
    tokens: { type: 'string' },
    volumes: { type: 'string' },
    nodes: { type: 'string' },
    log: { type: 'boolean' },
  },
});
if (!values.etcd || !values.dir) {
  console.error('usage: main.ts --etcd URL --dir DIR [--port P] [--tokens FILE] [--volumes DIR] [--nodes a,b] [--log]');
  process.exit(2);
}
const dir = values.dir;
const server = await startApiServer({
  etcd: values.etcd,
  port: values.port ? Number(values.port) : 0,
  tls: { cert: fs.readFileSync(path.join(dir, 'apiserver.crt')), key: fs.readFileSync(path.join(dir, 'apiserver.key')) },
  caCert: fs.existsSync(path.join(dir, 'ca.crt')) ? fs.readFileSync(path.join(dir, 'ca.crt')) : undefined,
  tokens: values.tokens ? JSON.parse(fs.readFileSync(values.tokens, 'utf8')) : undefined,
  volumesDir: values.volumes ?? path.join(dir, 'volumes'),
  nodes: values.nodes ? values.nodes.split(',') : undefined,
  log: values.log,
});
console.log(`lab kube-apiserver listening on ${server.url} (etcd ${values.etcd})`);
const stop = async () => {
  await server.close().catch(() => undefined);
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
