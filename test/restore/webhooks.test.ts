import { describe, expect, it } from 'vitest';
import yaml from 'js-yaml';
import { lifeboat } from '../helpers/cli.ts';
import { deleteNamespaces, restoreTestEnvironment } from './helpers.ts';

// A cluster with an admission webhook that fails closed (failurePolicy Fail) while its server is
// down, as after a disaster: the lab's API server calls it as a real one does, so a restore that
// made the webhook configuration before the objects it guards would be refused. lifeboat
// restores webhook configurations last.
const env = restoreTestEnvironment(['kube-apiserver'], ['kubernetes']);

const guarded = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'guarded' } },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'guarded' }, data: { mode: 'strict' } },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'policy', namespace: 'guarded' }, spec: { selector: { app: 'policy' }, ports: [{ port: 443, targetPort: 9443 }] } },
  {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: 'guarded-policy' },
    webhooks: [
      {
        name: 'configmaps.policy.lifeboat.test',
        admissionReviewVersions: ['v1'],
        sideEffects: 'None',
        failurePolicy: 'Fail',
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'guarded' } },
        rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['configmaps'] }],
        clientConfig: { service: { namespace: 'guarded', name: 'policy', path: '/validate' } },
      },
    ],
  },
];

describe('restore with an admission webhook that fails closed', () => {
  it('restores the objects the webhook guards before the webhook, so none is refused', async () => {
    const applied = await env.kubectl(['apply', '-f', '-'], guarded.map((o) => yaml.dump(o)).join('---\n'));
    expect(applied.code, applied.stderr).toBe(0);
    // The webhook is live: a new ConfigMap in the namespace is refused.
    const refused = await env.kubectl(['-n', 'guarded', 'create', 'configmap', 'probe', '--from-literal=a=b']);
    expect(refused.stderr).toContain('failed calling webhook "configmaps.policy.lifeboat.test"');
    const backup = await lifeboat(['backup', '--only', 'kubernetes'], { env: { LIFEBOAT_CONFIG: env.lab.configFile } });
    expect(backup.code, backup.stdout + backup.stderr).toBe(0);

    // The disaster: the namespace and the webhook configuration gone.
    expect((await env.kubectl(['delete', 'validatingwebhookconfiguration', 'guarded-policy'])).code).toBe(0);
    await deleteNamespaces(env, ['guarded']);

    const restore = await lifeboat(['restore', 'latest', '--only', 'objects'], { env: { LIFEBOAT_CONFIG: env.lab.configFile } });
    expect(restore.stdout).not.toMatch(/^FAILED/m);
    expect(restore.code, restore.stdout + restore.stderr).toBe(0);
    const cm = (await env.get('configmaps', 'guarded')).find((c) => c.metadata.name === 'settings');
    expect(cm?.data).toEqual({ mode: 'strict' });
    const hooks = await env.get('validatingwebhookconfigurations');
    expect(hooks.map((h) => h.metadata.name)).toContain('guarded-policy');
    // And the webhook guards again.
    const again = await env.kubectl(['-n', 'guarded', 'create', 'configmap', 'probe', '--from-literal=a=b']);
    expect(again.stderr).toContain('failed calling webhook "configmaps.policy.lifeboat.test"');
  });

  it('with the webhook still in place, reports the refused object as failed with the reason, and exits 1', async () => {
    expect((await env.kubectl(['-n', 'guarded', 'delete', 'configmap', 'settings'])).code).toBe(0);
    const restore = await lifeboat(['restore', 'latest', '--only', 'objects'], { env: { LIFEBOAT_CONFIG: env.lab.configFile } });
    expect(restore.code).toBe(1);
    expect(restore.stdout).toMatch(/^FAILED +ConfigMap guarded\/settings: .*failed calling webhook "configmaps\.policy\.lifeboat\.test"/m);
    expect((await env.get('configmaps', 'guarded')).some((c) => c.metadata.name === 'settings')).toBe(false);
  });
});
