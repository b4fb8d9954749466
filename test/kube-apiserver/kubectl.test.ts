import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yaml from 'js-yaml';
import { startCluster, type Cluster } from './helpers.ts';

const MANIFEST = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: alertrules.monitoring.lifeboat.dev
spec:
  group: monitoring.lifeboat.dev
  scope: Namespaced
  names: { plural: alertrules, singular: alertrule, kind: AlertRule, shortNames: [ar] }
  versions:
    - name: v1
      served: true
      storage: true
      subresources: { status: {} }
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
---
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: monitoring.lifeboat.dev/v1
kind: AlertRule
metadata:
  name: high-latency
  namespace: shop
spec:
  expr: histogram_quantile(0.99, rate(http_request_duration_seconds_bucket[5m])) > 0.5
  severity: warning
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: frontend
  namespace: shop
  labels: { app: frontend }
spec:
  replicas: 2
  selector: { matchLabels: { app: frontend } }
  template:
    metadata: { labels: { app: frontend } }
    spec:
      containers:
        - name: web
          image: lab/frontend:1.0
          ports: [{ containerPort: 8080, name: http }]
---
apiVersion: v1
kind: Service
metadata:
  name: frontend
  namespace: shop
spec:
  selector: { app: frontend }
  ports: [{ port: 80, targetPort: http, name: http }]
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: frontend-config
  namespace: shop
data:
  THEME: dark
  ITEMS_PER_PAGE: "24"
---
apiVersion: v1
kind: Secret
metadata:
  name: frontend-secret
  namespace: shop
type: Opaque
stringData:
  API_KEY: s3cr3t
`;

let c: Cluster;
beforeAll(async () => {
  c = await startCluster('kubectl');
});
afterAll(async () => {
  await c?.stop();
});

async function ok(args: string[], input?: string): Promise<string> {
  const r = await c.kubectl(args, { input });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

describe('kubectl against the lab API server', () => {
  it('lists api-versions and api-resources from discovery', async () => {
    const versions = await ok(['api-versions']);
    expect(versions.split('\n')).toEqual(expect.arrayContaining(['v1', 'apps/v1', 'batch/v1', 'apiextensions.k8s.io/v1', 'networking.k8s.io/v1']));
    const resources = await ok(['api-resources']);
    expect(resources).toMatch(/^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
    expect(resources).toMatch(/^configmaps\s+cm\s+v1\s+true\s+ConfigMap$/m);
  });

  it('applies a multi-document manifest (CRD, custom resource, Deployment, Service, ConfigMap, Secret) without --validate=false', async () => {
    // As against a real cluster, kubectl maps every document before applying any, so the custom
    // resource of a CRD created in the same run is refused ("ensure CRDs are installed first")
    // while the rest is applied; the second run applies it.
    const first = await c.kubectl(['apply', '-f', '-'], { input: MANIFEST });
    expect(first.stderr).toContain('no matches for kind "AlertRule" in version "monitoring.lifeboat.dev/v1"');
    expect(first.stdout).toContain('customresourcedefinition.apiextensions.k8s.io/alertrules.monitoring.lifeboat.dev created');
    const out = first.stdout + (await ok(['apply', '-f', '-'], MANIFEST));
    expect(out).toContain('alertrule.monitoring.lifeboat.dev/high-latency created');
    expect(out).toContain('deployment.apps/frontend created');
    expect(out).toContain('service/frontend created');
    expect(out).toContain('configmap/frontend-config created');
    expect(out).toContain('secret/frontend-secret created');
    // Applying again patches (strategic merge for built-ins, merge for the custom resource).
    const again = await ok(['apply', '-f', '-'], MANIFEST.replace('THEME: dark', 'THEME: light'));
    expect(again).toContain('configmap/frontend-config configured');
    expect(again).toContain('deployment.apps/frontend unchanged');
    const cm = yaml.load(await ok(['get', 'configmap', 'frontend-config', '-n', 'shop', '-o', 'yaml'])) as any;
    expect(cm.data).toEqual({ THEME: 'light', ITEMS_PER_PAGE: '24' });
  });

  it('gets objects as YAML with server-set fields', async () => {
    const d = yaml.load(await ok(['get', 'deployment', 'frontend', '-n', 'shop', '-o', 'yaml'])) as any;
    expect(d.kind).toBe('Deployment');
    expect(d.apiVersion).toBe('apps/v1');
    expect(d.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(d.metadata.resourceVersion)).toBeGreaterThan(0);
    expect(d.metadata.creationTimestamp).toMatch(/Z$/);
    expect(d.metadata.generation).toBe(1);
    expect(d.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toContain('frontend');
    const secret = yaml.load(await ok(['get', 'secret', 'frontend-secret', '-n', 'shop', '-o', 'yaml'])) as any;
    expect(Buffer.from(secret.data.API_KEY, 'base64').toString()).toBe('s3cr3t');
    const rule = yaml.load(await ok(['get', 'alertrule', 'high-latency', '-n', 'shop', '-o', 'yaml'])) as any;
    expect(rule.spec.severity).toBe('warning');
  });

  it('gets across all namespaces', async () => {
    const out = await ok(['get', 'configmaps', '--all-namespaces']);
    expect(out).toMatch(/shop\s+frontend-config/);
    const ns = await ok(['get', 'namespaces']);
    for (const n of ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'shop']) expect(ns).toContain(n);
  });

  it('labels, patches with --type merge, and deletes', async () => {
    expect(await ok(['label', 'configmap', 'frontend-config', '-n', 'shop', 'tier=web'])).toContain('configmap/frontend-config labeled');
    expect(await ok(['get', 'configmaps', '-n', 'shop', '-l', 'tier=web', '-o', 'name'])).toBe('configmap/frontend-config\n');
    expect(await ok(['get', 'configmaps', '-n', 'shop', '-l', 'tier!=web', '-o', 'name'])).not.toContain('frontend-config');
    await ok(['patch', 'deployment', 'frontend', '-n', 'shop', '--type', 'merge', '-p', '{"spec":{"replicas":3}}']);
    const d = yaml.load(await ok(['get', 'deployment', 'frontend', '-n', 'shop', '-o', 'yaml'])) as any;
    expect(d.spec.replicas).toBe(3);
    expect(d.metadata.generation).toBe(2);
    await ok(['label', 'alertrule', 'high-latency', '-n', 'shop', 'team=sre']);
    expect(await ok(['delete', 'configmap', 'frontend-config', '-n', 'shop'])).toContain('configmap "frontend-config" deleted');
    const missing = await c.kubectl(['get', 'configmap', 'frontend-config', '-n', 'shop']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('Error from server (NotFound): configmaps "frontend-config" not found');
  });

  it('refuses writes with the read-only token', async () => {
    const r = await c.kubectl(['create', 'configmap', 'nope', '-n', 'shop', '--from-literal=a=b'], { kubeconfig: c.readonlyKubeconfig });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('configmaps is forbidden: User "lab-readonly" cannot create resource "configmaps" in API group "" in the namespace "shop"');
    const apply = await c.kubectl(['apply', '-f', '-'], { input: MANIFEST.split('---')[5], kubeconfig: c.readonlyKubeconfig });
    expect(apply.stderr).toContain('Error from server (Forbidden)');
    expect(await ok(['get', 'deployments', '-n', 'shop', '--kubeconfig', c.readonlyKubeconfig])).toContain('frontend');
  });

  it('reports a conflict, an existing name and a missing namespace as a real server does', async () => {
    const exists = await c.kubectl(['create', '-f', '-'], { input: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n' });
    expect(exists.stderr).toMatch(/Error from server \(AlreadyExists\):.*namespaces "shop" already exists/);
    const noNs = await c.kubectl(['apply', '-n', 'nowhere', '-f', '-'], { input: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata: {a: b}\n' });
    expect(noNs.stderr).toMatch(/Error from server \(NotFound\):.*namespaces "nowhere" not found/);
    const secret = await ok(['get', 'secret', 'frontend-secret', '-n', 'shop', '-o', 'yaml']);
    expect((await c.kubectl(['replace', '-f', '-'], { input: secret.replace('API_KEY:', 'OTHER: YQ==\n  API_KEY:') })).code).toBe(0);
    const stale = await c.kubectl(['replace', '-f', '-'], { input: secret });
    expect(stale.stderr).toMatch(/Error from server \(Conflict\):.*Operation cannot be fulfilled on secrets "frontend-secret": the object has been modified/);
  });

  it('deletes a CRD with its custom resources, and a namespace with its contents', async () => {
    await ok(['delete', 'crd', 'alertrules.monitoring.lifeboat.dev']);
    const versions = await ok(['api-versions']);
    expect(versions).not.toContain('monitoring.lifeboat.dev');
    await ok(['delete', 'namespace', 'shop']);
    expect((await c.kubectl(['get', 'namespace', 'shop'])).code).not.toBe(0);
    expect(await ok(['get', 'deployments', '--all-namespaces', '-o', 'name'])).toBe('');
  });
});
