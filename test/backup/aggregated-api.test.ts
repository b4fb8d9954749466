import { describe, expect, it } from 'vitest';
import yaml from 'js-yaml';
import { lifeboat } from '../helpers/cli.ts';
import { restoreTestEnvironment } from '../restore/helpers.ts';

// An aggregated API whose server is down (metrics-server's APIService, as kube-prometheus and
// most clusters install it): the lab's API server lists its group and answers 503 for it, as
// kube-apiserver's aggregator does; kubectl warns, and a lifeboat backup goes on without it.
const env = restoreTestEnvironment(['kube-apiserver'], ['kubernetes']);

const apiService = {
  apiVersion: 'apiregistration.k8s.io/v1',
  kind: 'APIService',
  metadata: { name: 'v1beta1.metrics.k8s.io' },
  spec: { group: 'metrics.k8s.io', version: 'v1beta1', groupPriorityMinimum: 100, versionPriority: 100, insecureSkipTLSVerify: true, service: { name: 'metrics-server', namespace: 'kube-system' } },
};

describe('an aggregated API that does not answer', () => {
  it('is listed in discovery, answers 503, is reported unavailable, and a backup goes on without it', async () => {
    const applied = await env.kubectl(['apply', '-f', '-'], yaml.dump(apiService));
    expect(applied.code, applied.stderr).toBe(0);
    const got = (await env.get('apiservices')).find((a) => a.metadata.name === 'v1beta1.metrics.k8s.io')!;
    expect((got as any).status.conditions[0]).toMatchObject({ type: 'Available', status: 'False', reason: 'ServiceNotFound', message: 'service/metrics-server in "kube-system" is not present' });
    const groups = await env.kubectl(['api-versions']);
    expect(groups.stdout).toContain('metrics.k8s.io/v1beta1');
    const resources = await env.kubectl(['api-resources']);
    expect(resources.code).toBe(1);
    expect(resources.stderr).toContain('metrics.k8s.io/v1beta1: the server is currently unable to handle the request');
    const ns = await env.kubectl(['get', 'namespaces', '-o', 'name']);
    expect(ns.code, ns.stderr).toBe(0);
    expect(ns.stdout).toContain('namespace/shop');
    const backup = await lifeboat(['backup', '--only', 'kubernetes'], { env: { LIFEBOAT_CONFIG: env.lab.configFile } });
    expect(backup.code, backup.stdout + backup.stderr).toBe(0);
    expect(backup.stdout + backup.stderr).toContain('metrics.k8s.io/v1beta1 is served by an aggregated API server that did not answer');
  });
});
