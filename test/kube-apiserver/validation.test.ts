import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yaml from 'js-yaml';
import { startCluster, type Cluster } from './helpers.ts';

// What kube-apiserver 1.32 refuses, applied the way users apply: each refusal is checked by the
// message kubectl prints for it.
const doc = (...objects: unknown[]) => objects.map((o) => yaml.dump(o)).join('---\n');
const deployment = (name: string, app: string, image = 'lab/web:1.0') => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'checks' },
  spec: { selector: { matchLabels: { app } }, template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'web', image, ports: [{ containerPort: 8080 }] }] } } },
});

describe('validation as kube-apiserver 1.32', () => {
  let c: Cluster;
  const apply = (o: unknown, extra: string[] = []) => c.kubectl(['apply', ...extra, '-f', '-'], { input: doc(o) });
  beforeAll(async () => {
    c = await startCluster('validation');
    expect((await c.kubectl(['create', 'namespace', 'checks'])).code).toBe(0);
  });
  afterAll(async () => c?.stop());

  it('refuses annotations over 256 KiB: client-side apply of a big object, but kubectl create takes it', async () => {
    const big = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big', namespace: 'checks' }, data: { blob: 'x'.repeat(300 * 1024) } };
    const r = await apply(big);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('The ConfigMap "big" is invalid: metadata.annotations: Too long: may not be more than 262144 bytes');
    const created = await c.kubectl(['create', '-f', '-'], { input: doc(big) });
    expect(created.code, created.stderr).toBe(0);
  });

  it("refuses a change of a Deployment's selector", async () => {
    expect((await apply(deployment('web', 'web'))).code).toBe(0);
    const r = await apply(deployment('web', 'web2'));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      'The Deployment "web" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    );
    const mismatch = deployment('odd', 'a');
    mismatch.spec.template.metadata.labels.app = 'b';
    const m = await apply(mismatch);
    expect(m.stderr).toContain('The Deployment "odd" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"b"}: `selector` does not match template `labels`');
  });

  it("refuses a change of a Job's template and of a StatefulSet's volumeClaimTemplates", async () => {
    const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'once', namespace: 'checks' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'j', image: 'lab/job:1' }] } } } };
    expect((await apply(job)).code).toBe(0);
    job.spec.template.spec.containers[0].image = 'lab/job:2';
    const r = await apply(job);
    expect(r.stderr).toMatch(/The Job "once" is invalid: spec\.template: Invalid value: .*: field is immutable/);
    const sts = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'checks' },
      spec: {
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'lab/db:1' }] } },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      },
    };
    expect((await apply(sts)).code).toBe(0);
    sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage = '2Gi';
    const s = await apply(sts);
    expect(s.stderr).toContain(
      "The StatefulSet \"db\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    );
    sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage = '1Gi';
    sts.spec.template.spec.containers[0].image = 'lab/db:2';
    expect((await apply(sts)).code).toBe(0);
  });

  it("refuses a change of a PVC's spec but its requests, and of a Service's clusterIP", async () => {
    const pvc = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'checks' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } };
    expect((await apply(pvc)).code).toBe(0);
    await c.until('claim bound', async () => (await c.request('GET', '/api/v1/namespaces/checks/persistentvolumeclaims/data')).json.status?.phase === 'Bound');
    pvc.spec.accessModes = ['ReadWriteMany'];
    const r = await apply(pvc);
    expect(r.stderr).toContain('The PersistentVolumeClaim "data" is invalid: spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims');
    pvc.spec.accessModes = ['ReadWriteOnce'];
    pvc.spec.resources.requests.storage = '2Gi';
    expect((await apply(pvc)).code).toBe(0);
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'fixed', namespace: 'checks' }, spec: { clusterIP: '10.96.50.50', ports: [{ port: 80 }] } };
    expect((await apply(svc)).code).toBe(0);
    svc.spec.clusterIP = '10.96.50.51';
    const s = await apply(svc);
    expect(s.stderr).toContain('The Service "fixed" is invalid: spec.clusterIPs[0]: Invalid value: []string{"10.96.50.51"}: may not change once set');
  });

  it('refuses changes to an immutable ConfigMap or Secret', async () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'frozen', namespace: 'checks' }, immutable: true, data: { a: '1' } };
    expect((await apply(cm)).code).toBe(0);
    const r = await apply({ ...cm, data: { a: '2' } });
    expect(r.stderr).toContain('The ConfigMap "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set');
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'frozen', namespace: 'checks' }, immutable: true, stringData: { a: '1' } };
    expect((await apply(secret)).code).toBe(0);
    const s = await apply({ ...secret, stringData: { a: '2' } });
    expect(s.stderr).toContain('The Secret "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set');
  });

  it('refuses Secret data that is not base64, and names that are not DNS-1123', async () => {
    const r = await apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'raw', namespace: 'checks' }, data: { password: 'hunter2!' } });
    expect(r.stderr).toContain('Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 7');
    const unpadded = await apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'raw', namespace: 'checks' }, data: { password: 'abc' } });
    expect(unpadded.stderr).toContain('illegal base64 data at input byte 0');
    expect((await c.request('GET', '/api/v1/namespaces/checks/secrets/raw')).status).toBe(404);
    const n = await apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'My_Config', namespace: 'checks' } });
    expect(n.stderr).toContain('The ConfigMap "My_Config" is invalid: metadata.name: Invalid value: "My_Config": a lowercase RFC 1123 subdomain must consist of');
    const svc = await apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: '1st', namespace: 'checks' }, spec: { ports: [{ port: 80 }] } });
    expect(svc.stderr).toContain('The Service "1st" is invalid: metadata.name: Invalid value: "1st": a DNS-1035 label must consist of');
  });

  it('prunes, defaults and validates custom resources by their CRD schema', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'gadgets.lab.lifeboat.dev' },
      spec: {
        group: 'lab.lifeboat.dev',
        scope: 'Namespaced',
        names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' },
        versions: [{
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  required: ['size'],
                  properties: {
                    size: { type: 'integer', minimum: 1 },
                    mode: { type: 'string', enum: ['fast', 'safe'], default: 'safe' },
                    extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                  },
                },
              },
            },
          },
        }],
      },
    };
    expect((await apply(crd)).code).toBe(0);
    await c.until('CRD served', async () => (await c.kubectl(['get', 'gadgets', '-n', 'checks'])).code === 0);
    const gadget = (spec: Record<string, unknown>) => ({ apiVersion: 'lab.lifeboat.dev/v1', kind: 'Gadget', metadata: { name: 'g', namespace: 'checks' }, spec });
    const ok = await c.kubectl(['create', '-f', '-'], { input: doc(gadget({ size: 2, typo: true, extra: { anything: [1] } })) });
    expect(ok.code, ok.stderr).toBe(0);
    const stored = (await c.request('GET', '/apis/lab.lifeboat.dev/v1/namespaces/checks/gadgets/g')).json;
    expect(stored.spec).toEqual({ size: 2, mode: 'safe', extra: { anything: [1] } });
    const bad = await apply(gadget({ size: 'big', mode: 'slow' }));
    expect(bad.stderr).toContain('The Gadget "g" is invalid: ');
    expect(bad.stderr).toContain('spec.size: Invalid value: "string": spec.size in body must be of type integer: "string"');
    expect(bad.stderr).toContain('spec.mode: Unsupported value: "slow": supported values: "fast", "safe"');
    const missing = await c.kubectl(['create', '-f', '-'], { input: doc({ ...gadget({ mode: 'fast' }), metadata: { name: 'h', namespace: 'checks' } }) });
    expect(missing.stderr).toContain('The Gadget "h" is invalid: spec.size: Required value');
  });

  it('keeps defaults through a re-apply: a Service port keeps protocol TCP, a container its defaults', async () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'checks' }, spec: { selector: { app: 'api' }, ports: [{ port: 80, targetPort: 8080 }, { port: 443, targetPort: 8443 }] } };
    expect((await apply(svc)).code).toBe(0);
    svc.spec.ports[0].targetPort = 9090;
    expect((await apply(svc)).code).toBe(0);
    const got = (await c.request('GET', '/api/v1/namespaces/checks/services/api')).json;
    expect(got.spec.ports).toEqual([
      { port: 80, targetPort: 9090, protocol: 'TCP' },
      { port: 443, targetPort: 8443, protocol: 'TCP' },
    ]);
    expect((await apply(deployment('app', 'app'))).code).toBe(0);
    expect((await apply(deployment('app', 'app', 'lab/web:2.0'))).code).toBe(0);
    const d = (await c.request('GET', '/apis/apps/v1/namespaces/checks/deployments/app')).json;
    const container = d.spec.template.spec.containers[0];
    expect(container).toMatchObject({ image: 'lab/web:2.0', imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', ports: [{ containerPort: 8080, protocol: 'TCP' }] });
    expect(d.spec).toMatchObject({ replicas: 1, revisionHistoryLimit: 10, progressDeadlineSeconds: 600, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } });
    const diff = await c.kubectl(['diff', '-f', '-'], { input: doc(deployment('app', 'app', 'lab/web:2.0'), svc) });
    expect(diff.stdout).toBe('');
    expect(diff.code, diff.stderr).toBe(0);
  });
});
