/** The lab's kubeconfig: one cluster, user and context named `lab`, CA data embedded. */
import fs from 'node:fs';
import yaml from 'js-yaml';

export function kubeconfigText(server: string, caCertPem: string, token: string, name = 'lab'): string {
  return yaml.dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server, 'certificate-authority-data': Buffer.from(caCertPem).toString('base64') } }],
    users: [{ name, user: { token } }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: 'default' } }],
    'current-context': name,
    preferences: {},
  });
}

export function writeKubeconfig(file: string, server: string, caCertPem: string, token: string, name = 'lab'): void {
  fs.writeFileSync(file, kubeconfigText(server, caCertPem, token, name), { mode: 0o600 });
}
