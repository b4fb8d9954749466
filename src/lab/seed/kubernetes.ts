// The Kubernetes half of `lifeboat lab seed`: a realistic cluster in the lab's API server.
// Namespace `shop`: frontend and api Deployments with Services, a PostgreSQL StatefulSet whose
// PVC folder holds real files, a CronJob, a bare Pod, ConfigMaps, Secrets and an Ingress.
// Namespace `monitoring`: the Prometheus configuration in a ConfigMap, and a CRD with custom
// resources. Idempotent: objects already there are left as they are.
import fs from 'node:fs';
import path from 'node:path';
import { ApiException, CoreV1Api, KubeConfig, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';

export interface SeedImages {
  frontend: string;
  api: string;
  postgres: string;
  job: string;
}

/** Image names as the services half pushes them (registry host:port prefixed when given). */
export const DEFAULT_SEED_IMAGES: SeedImages = {
  frontend: 'lab/shop-frontend:1.4',
  api: 'lab/shop-api:2.1',
  postgres: 'lab/postgres:15',
  job: 'lab/report-job:1',
};

export interface SeedKubernetesOptions {
  /** Registry host:port the images were pushed to; images are then named REGISTRY/lab/... */
  registry?: string;
  images?: Partial<SeedImages>;
}

export interface SeededKubernetes {
  namespaces: string[];
  /** Objects created by this run (those already there are not counted). */
  created: string[];
  /** The folder (PV hostPath) holding the PostgreSQL data files. */
  postgresDataDir?: string;
}

const PROMETHEUS_YML = `global:
  scrape_interval: 15s
  evaluation_interval: 15s
rule_files:
  - /etc/prometheus/rules/*.yml
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ['localhost:9090']
  - job_name: shop-api
    kubernetes_sd_configs:
      - role: endpoints
        namespaces: { names: [shop] }
    relabel_configs:
      - source_labels: [__meta_kubernetes_service_name]
        regex: api
        action: keep
`;

function manifests(images: SeedImages): KubernetesObject[] {
  const labels = (app: string) => ({ app, 'app.kubernetes.io/part-of': 'shop' });
  const deployment = (name: string, image: string, port: number, replicas: number, env: unknown[] = []) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'shop', labels: labels(name) },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: labels(name) },
        spec: { containers: [{ name, image, ports: [{ name: 'http', containerPort: port }], env, resources: { requests: { cpu: '50m', memory: '64Mi' } } }] },
      },
    },
  });
  const service = (name: string, port: number, target: string | number, extra: Record<string, unknown> = {}) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'shop', labels: labels(name) },
    spec: { selector: { app: name }, ports: [{ name: 'http', port, targetPort: target }], ...extra },
  });
  const rule = (name: string, expr: string, severity: string, forDuration: string) => ({
    apiVersion: 'monitoring.lifeboat.dev/v1',
    kind: 'AlertRule',
    metadata: { name, namespace: 'monitoring' },
    spec: { expr, for: forDuration, severity, summary: `${name} firing` },
  });
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { team: 'shop' } } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'monitoring', labels: { team: 'platform' } } },
    {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'alertrules.monitoring.lifeboat.dev' },
      spec: {
        group: 'monitoring.lifeboat.dev',
        scope: 'Namespaced',
        names: { plural: 'alertrules', singular: 'alertrule', kind: 'AlertRule', shortNames: ['ar'] },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            subresources: { status: {} },
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: { type: 'object', properties: { expr: { type: 'string' }, for: { type: 'string' }, severity: { type: 'string' }, summary: { type: 'string' } } },
                  // client-node's serializer knows this field by its model name only; under the
                  // JSON name it would drop it, and the server would prune the rules' status.
                  status: { type: 'object', x_kubernetes_preserve_unknown_fields: true },
                },
              },
            },
          },
        ],
      },
    },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'frontend-config', namespace: 'shop' }, data: { THEME: 'dark', ITEMS_PER_PAGE: '24', API_URL: 'http://api.shop.svc:8080' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'api-config', namespace: 'shop' }, data: { LOG_LEVEL: 'info', 'features.json': '{"checkout": true, "wishlist": false}\n' } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'postgres-credentials', namespace: 'shop' }, type: 'Opaque', stringData: { POSTGRES_USER: 'shop', POSTGRES_PASSWORD: 'lab-shop-password', POSTGRES_DB: 'shop' } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'api-secrets', namespace: 'shop' }, type: 'Opaque', stringData: { DATABASE_URL: 'postgres://shop:lab-shop-password@postgres.shop.svc:5432/shop', STRIPE_KEY: 'sk_test_lab' } },
    deployment('frontend', images.frontend, 8080, 2),
    service('frontend', 80, 'http'),
    deployment('api', images.api, 8080, 2, [
      { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'api-secrets', key: 'DATABASE_URL' } } },
      { name: 'LOG_LEVEL', valueFrom: { configMapKeyRef: { name: 'api-config', key: 'LOG_LEVEL' } } },
    ]),
    service('api', 8080, 'http'),
    service('postgres', 5432, 5432, { clusterIP: 'None' }),
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'postgres', namespace: 'shop', labels: labels('postgres') },
      spec: {
        serviceName: 'postgres',
        replicas: 1,
        selector: { matchLabels: { app: 'postgres' } },
        template: {
          metadata: { labels: labels('postgres') },
          spec: {
            containers: [
              {
                name: 'postgres',
                image: images.postgres,
                ports: [{ name: 'postgres', containerPort: 5432 }],
                envFrom: [{ secretRef: { name: 'postgres-credentials' } }],
                volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql/data' }],
              },
            ],
          },
        },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'lab-hostpath', resources: { requests: { storage: '1Gi' } } } }],
      },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'nightly-report', namespace: 'shop' },
      spec: {
        schedule: '0 2 * * *',
        jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'report', image: images.job, args: ['--since', '24h'] }] } } } },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'debug-shell', namespace: 'shop', labels: { purpose: 'debugging' } },
      spec: { containers: [{ name: 'shell', image: images.api, command: ['sleep', 'infinity'] }] },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'shop', namespace: 'shop' },
      spec: {
        rules: [
          {
            host: 'shop.lab.local',
            http: {
              paths: [
                { path: '/api', pathType: 'Prefix', backend: { service: { name: 'api', port: { number: 8080 } } } },
                { path: '/', pathType: 'Prefix', backend: { service: { name: 'frontend', port: { number: 80 } } } },
              ],
            },
          },
        ],
      },
    },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'prometheus-config', namespace: 'monitoring', labels: { app: 'prometheus' } }, data: { 'prometheus.yml': PROMETHEUS_YML } },
    rule('high-error-rate', 'sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m])) > 0.05', 'critical', '10m'),
    rule('api-latency', 'histogram_quantile(0.99, rate(http_request_duration_seconds_bucket{job="shop-api"}[5m])) > 0.5', 'warning', '15m'),
    rule('postgres-down', 'up{job="postgres"} == 0', 'critical', '1m'),
  ] as KubernetesObject[];
}

/** Files a PostgreSQL data folder has, enough that a backup has real data to carry. */
const PG_FILES: Record<string, string> = {
  PG_VERSION: '15\n',
  'postgresql.conf': "listen_addresses = '*'\nmax_connections = 100\nshared_buffers = 128MB\n",
  'pg_hba.conf': 'host all all all scram-sha-256\n',
  'base/16384/PG_VERSION': '15\n',
  'base/16384/orders.csv': 'id,customer,total\n1,alice,42.50\n2,bob,17.00\n3,carol,99.90\n',
};

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`lab seed: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function seedKubernetes(kubeconfigPath: string, labDir: string, opts: SeedKubernetesOptions = {}): Promise<SeededKubernetes> {
  const prefix = opts.registry ? `${opts.registry}/` : '';
  const images: SeedImages = { ...DEFAULT_SEED_IMAGES, ...Object.fromEntries(Object.entries(DEFAULT_SEED_IMAGES).map(([k, v]) => [k, prefix + v])), ...(opts.images ?? {}) } as SeedImages;
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const created: string[] = [];
  for (const object of manifests(images)) {
    const id = `${object.kind}/${object.metadata?.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata?.name}`;
    try {
      await objects.read({ apiVersion: object.apiVersion, kind: object.kind, metadata: { name: object.metadata!.name!, namespace: object.metadata?.namespace } } as never);
      continue;
    } catch (e) {
      if (!(e instanceof ApiException && e.code === 404)) throw e;
    }
    await objects.create(object);
    created.push(id);
  }
  // The PostgreSQL claim's folder gets real files once its volume is bound.
  const core = kc.makeApiClient(CoreV1Api);
  const pvc = await until('the PostgreSQL claim to be bound', async () => {
    const claim = await core.readNamespacedPersistentVolumeClaim({ name: 'data-postgres-0', namespace: 'shop' });
    return claim.status?.phase === 'Bound' ? claim : undefined;
  });
  const pv = await core.readPersistentVolume({ name: pvc.spec!.volumeName! });
  const dataDir = pv.spec?.hostPath?.path;
  // Only a folder of this lab is written to (the lab's provisioner keeps volumes there).
  if (dataDir && path.resolve(dataDir).startsWith(path.resolve(labDir) + path.sep)) {
    for (const [file, text] of Object.entries(PG_FILES)) {
      const p = path.join(dataDir, file);
      if (fs.existsSync(p)) continue;
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, text);
    }
  }
  return { namespaces: ['shop', 'monitoring'], created, postgresDataDir: dataDir };
}
