import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yaml from 'js-yaml';
import { makeCertificates } from '../../src/lab/kube-apiserver/certs.ts';
import { startCluster, type Cluster } from './helpers.ts';

// Admission webhooks as a real cluster calls them; the webhook server is a real HTTPS server on
// the host, reached through a selector-less Service whose Endpoints name 127.0.0.1, or by URL.
const doc = (...objects: unknown[]) => objects.map((o) => yaml.dump(o)).join('---\n');
const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.lab.lifeboat.dev' },
  spec: { group: 'lab.lifeboat.dev', scope: 'Namespaced', names: { plural: 'widgets', singular: 'widget', kind: 'Widget' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }] },
};
const widget = (name: string, labels: Record<string, string> = {}) => ({ apiVersion: 'lab.lifeboat.dev/v1', kind: 'Widget', metadata: { name, namespace: 'hooks', labels }, spec: { size: 1 } });
const rules = [{ apiGroups: ['lab.lifeboat.dev'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['widgets'] }];

describe('admission webhooks', () => {
  let c: Cluster;
  let hookServer: https.Server;
  let caBundle: string;
  const reviews: any[] = [];
  const apply = (...o: unknown[]) => c.kubectl(['apply', '-f', '-'], { input: doc(...o) });
  const validating = (name: string, clientConfig: Record<string, unknown>, failurePolicy = 'Fail', extra: Record<string, unknown> = {}) => ({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name },
    webhooks: [{ name: `${name}.lab.lifeboat.dev`, clientConfig, rules, failurePolicy, sideEffects: 'None', admissionReviewVersions: ['v1'], ...extra }],
  });

  beforeAll(async () => {
    c = await startCluster('webhooks');
    const certs = makeCertificates(path.join(c.dir, 'hook-pki'), ['127.0.0.1', 'hook.hooks.svc']);
    caBundle = fs.readFileSync(certs.caCert).toString('base64');
    hookServer = https.createServer({ cert: fs.readFileSync(certs.cert), key: fs.readFileSync(certs.key) }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (d) => chunks.push(d));
      req.on('end', () => {
        const review = JSON.parse(Buffer.concat(chunks).toString());
        reviews.push({ path: req.url, review });
        const object = review.request.object;
        const response: Record<string, unknown> = { uid: review.request.uid, allowed: true };
        if (req.url?.startsWith('/validate') && object?.metadata?.labels?.forbidden === 'true') {
          response.allowed = false;
          response.status = { code: 403, reason: 'Forbidden', message: 'widgets labelled forbidden are not allowed' };
        }
        if (req.url?.startsWith('/mutate')) {
          const patch = [{ op: 'add', path: '/metadata/labels', value: { ...(object.metadata.labels ?? {}), injected: 'yes' } }, { op: 'add', path: '/spec/sidecar', value: true }];
          Object.assign(response, { patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64') });
        }
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response }));
      });
    });
    await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', () => r()));
    const port = (hookServer.address() as AddressInfo).port;
    expect((await apply(CRD, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'hooks' } })).code).toBe(0);
    // A selector-less Service whose Endpoints are the webhook server on the host.
    const r = await apply(
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'hook', namespace: 'hooks' }, spec: { ports: [{ name: 'https', port: 443, targetPort: port }] } },
      { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'hook', namespace: 'hooks' }, subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port }] }] },
      // A Service whose pods never serve (the webhook is down).
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'down', namespace: 'hooks' }, spec: { selector: { app: 'down' }, ports: [{ port: 443, targetPort: 9443 }] } },
    );
    expect(r.code, r.stderr).toBe(0);
  });
  afterAll(async () => {
    hookServer?.close();
    await c?.stop();
  });

  it('failurePolicy Fail with no server blocks the object, with the reason a real server gives', async () => {
    expect((await apply(validating('blocker', { service: { namespace: 'hooks', name: 'down', path: '/validate' } }))).code).toBe(0);
    const r = await apply(widget('blocked'));
    expect(r.code).not.toBe(0);
    const svc = (await c.request('GET', '/api/v1/namespaces/hooks/services/down')).json;
    expect(r.stderr).toContain(
      `Internal error occurred: failed calling webhook "blocker.lab.lifeboat.dev": failed to call webhook: Post "https://down.hooks.svc:443/validate?timeout=10s": dial tcp ${svc.spec.clusterIP}:443: connect: connection refused`,
    );
    expect((await c.request('GET', '/apis/lab.lifeboat.dev/v1/namespaces/hooks/widgets/blocked')).status).toBe(404);
    // Ignore lets it through; deleting the configuration unblocks too.
    expect((await apply(validating('blocker', { service: { namespace: 'hooks', name: 'down', path: '/validate' } }, 'Ignore'))).code).toBe(0);
    expect((await apply(widget('blocked'))).code).toBe(0);
    expect((await c.kubectl(['delete', 'validatingwebhookconfiguration', 'blocker'])).code).toBe(0);
  });

  it('calls a validating webhook through its Service and refuses what it denies', async () => {
    expect((await apply(validating('policy', { service: { namespace: 'hooks', name: 'hook', path: '/validate' }, caBundle }))).code).toBe(0);
    expect((await apply(widget('fine'))).code).toBe(0);
    const denied = await apply(widget('bad', { forbidden: 'true' }));
    expect(denied.stderr).toContain('admission webhook "policy.lab.lifeboat.dev" denied the request: widgets labelled forbidden are not allowed');
    const seen = reviews.find((r) => r.review.request.name === 'fine');
    expect(seen.path).toBe('/validate?timeout=10s');
    expect(seen.review.request).toMatchObject({ operation: 'CREATE', namespace: 'hooks', kind: { group: 'lab.lifeboat.dev', version: 'v1', kind: 'Widget' }, resource: { resource: 'widgets' }, userInfo: { username: 'lab-admin' } });
    // Objects the rules do not name are not sent.
    expect((await apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'untouched', namespace: 'hooks', labels: { forbidden: 'true' } } })).code).toBe(0);
    expect((await c.kubectl(['delete', 'validatingwebhookconfiguration', 'policy'])).code).toBe(0);
  });

  it('applies what a mutating webhook (by URL) patches in', async () => {
    const port = (hookServer.address() as AddressInfo).port;
    const mutating = {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: 'injector' },
      webhooks: [{ name: 'inject.lab.lifeboat.dev', clientConfig: { url: `https://127.0.0.1:${port}/mutate`, caBundle }, rules, sideEffects: 'None', admissionReviewVersions: ['v1'], namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'hooks' } } }],
    };
    expect((await apply(mutating)).code).toBe(0);
    const stored = (await c.request('GET', '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/injector')).json;
    expect(stored.webhooks[0]).toMatchObject({ failurePolicy: 'Fail', matchPolicy: 'Equivalent', reinvocationPolicy: 'Never', timeoutSeconds: 10, objectSelector: {} });
    expect((await apply(widget('mutated', { app: 'w' }))).code).toBe(0);
    const got = (await c.request('GET', '/apis/lab.lifeboat.dev/v1/namespaces/hooks/widgets/mutated')).json;
    expect(got.metadata.labels).toEqual({ app: 'w', injected: 'yes' });
    expect(got.spec).toEqual({ size: 1, sidecar: true });
    expect((await c.kubectl(['delete', 'mutatingwebhookconfiguration', 'injector'])).code).toBe(0);
  });
});
