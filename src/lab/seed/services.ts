// The Docker, registry, Prometheus and PostgreSQL half of `lifeboat lab seed`: what a real
// environment has around its cluster, including the things lifeboat must flag as at risk.
// Idempotent: what is already there is left as it is.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { busyboxRootfsTar } from '../fixtures.ts';
import { runSync } from '../process.ts';
import type { ServiceState } from '../service.ts';

/** The images the seeded cluster's workloads run, pushed to the lab registry as REGISTRY/<name>. */
export const SEED_IMAGES = ['lab/shop-frontend:1.4', 'lab/shop-api:2.1', 'lab/postgres:15', 'lab/report-job:1'];
/** An image only the local engine has (used by the standalone container): at risk. */
export const LOCAL_ONLY_IMAGE = 'lab/legacy-cache:0.9';

export interface SeededServices {
  /** Registry host:port the workload images were pushed to. */
  registry: string;
  images: string[];
  volumes: string[];
  containers: string[];
}

async function drain(stream: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const c of stream) out += c.toString();
  return out;
}

async function hasImage(docker: Docker, ref: string): Promise<boolean> {
  return docker.getImage(ref).inspect().then(() => true, () => false);
}

/**
 * What each seeded workload image does when the lab's kubelet runs it (its ENTRYPOINT script);
 * a first argument that is not a flag is run instead, as docker-entrypoint scripts do. The API
 * keeps sessions in its writable layer (at risk); PostgreSQL writes WAL into its claimed volume.
 */
const ENTRYPOINTS: Record<string, string> = {
  'lab/shop-frontend:1.4': 'echo "shop-frontend $(cat /app/VERSION) ready (theme ${THEME:-light})"\nexec sleep 2147483647\n',
  'lab/shop-api:2.1':
    'mkdir -p /var/cache/shop-api\necho "sessions since $(date -u +%FT%TZ)" > /var/cache/shop-api/sessions.db\necho "shop-api ready (LOG_LEVEL=${LOG_LEVEL:-unset})"\nexec sleep 2147483647\n',
  'lab/postgres:15':
    'D=${PGDATA:-/var/lib/postgresql/data}\nmkdir -p "$D/pg_wal"\necho "checkpoint $(date -u +%FT%TZ)" >> "$D/pg_wal/000000010000000000000001"\necho "database system is ready to accept connections"\nexec sleep 2147483647\n',
  'lab/report-job:1': 'echo "nightly report $*: done"\nexit 0\n',
};

/** Builds a tiny image: busybox plus one file that makes its layers its own (and its entrypoint, for the workload images). */
async function buildImage(docker: Docker, ref: string, work: string): Promise<void> {
  if (await hasImage(docker, ref)) return;
  const rootTar = busyboxRootfsTar(work);
  const root = path.join(work, 'img-' + ref.replace(/[^a-z0-9]+/gi, '-'));
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(path.join(root, 'app'), { recursive: true });
  runSync('lab seed', 'tar', ['-C', root, '-xf', rootTar]);
  fs.writeFileSync(path.join(root, 'app', 'VERSION'), `${ref}\n`);
  const script = ENTRYPOINTS[ref];
  if (script) fs.writeFileSync(path.join(root, 'app', 'run.sh'), `case "$1" in -*|'') ;; *) exec "$@" ;; esac\n${script}`, { mode: 0o755 });
  const tar = path.join(work, path.basename(root) + '.tar');
  runSync('lab seed', 'tar', ['-C', root, '-cf', tar, '.']);
  const [repo, tag] = ref.split(/:(?=[^/]*$)/) as [string, string];
  const changes = script ? ['ENTRYPOINT ["/bin/sh", "/app/run.sh"]', 'WORKDIR /app'] : [];
  const out = await drain(await docker.importImage(tar, { repo, tag, ...(changes.length ? { changes } : {}) } as { repo: string; tag: string }));
  if (/"error"/.test(out)) throw new Error(`lab seed: importing ${ref} failed: ${out.slice(0, 200)}`);
  fs.rmSync(root, { recursive: true, force: true });
}

async function ensureVolume(docker: Docker, name: string, files: Record<string, string>): Promise<void> {
  const volume = await docker.createVolume({ Name: name });
  const mountpoint = (volume as unknown as { Mountpoint?: string }).Mountpoint ?? (await docker.getVolume(name).inspect()).Mountpoint;
  for (const [file, text] of Object.entries(files)) {
    const p = path.join(mountpoint, file);
    if (fs.existsSync(p)) continue;
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
  }
}

async function ensureContainer(docker: Docker, name: string, image: string, cmd: string[], binds: string[] = []): Promise<void> {
  const existing = docker.getContainer(name);
  const info = await existing.inspect().catch(() => undefined);
  if (info?.State.Running) return;
  if (info) await existing.remove({ force: true });
  const c = await docker.createContainer({ name, Image: image, Cmd: cmd, HostConfig: { NetworkMode: 'none', Binds: binds } });
  await c.start();
}

/** Seeds dockerd, the registry, Prometheus's rules and PostgreSQL. */
export async function seedServices(services: Record<string, ServiceState>): Promise<SeededServices> {
  const dockerd = services.dockerd;
  const registry = services.registry;
  if (!dockerd || !registry) throw new Error('lab seed needs the lab\'s dockerd and registry: start the lab with \'lifeboat lab up\'');
  const docker = new Docker({ socketPath: dockerd.address.replace(/^unix:\/\//, '') });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-seed-'));
  const registryHost = new URL(registry.address).host;
  try {
    for (const ref of [...SEED_IMAGES, LOCAL_ONLY_IMAGE]) await buildImage(docker, ref, work);
    for (const ref of SEED_IMAGES) {
      runSync('lab seed', 'skopeo', [
        'copy', '--quiet', '--src-daemon-host', dockerd.address, '--dest-tls-verify=false',
        `docker-daemon:${ref}`, `docker://${registryHost}/${ref}`,
      ]);
      // As after a pull: the engine knows the image by its registry name too.
      const [repo, tag] = `${registryHost}/${ref}`.split(/:(?=[^/]*$)/) as [string, string];
      await docker.getImage(ref).tag({ repo, tag });
    }
    await ensureVolume(docker, 'shop-uploads', { 'invoices/2026-11.pdf': 'invoice for November\n', 'avatars/1.png': 'not really a png\n' });
    await ensureVolume(docker, 'grafana-data', { 'grafana.db': 'dashboards and users\n' });
    // A standalone container that keeps its cache in its writable layer: at risk.
    await ensureContainer(docker, 'legacy-cache', LOCAL_ONLY_IMAGE, ['sh', '-c', 'mkdir -p /var/cache/app && echo warm > /var/cache/app/entries.db && exec sleep 2147483647']);
    // A stateless one whose data is in a named volume: skippable.
    await ensureContainer(docker, 'grafana', `${registryHost}/lab/shop-frontend:1.4`, ['sleep', '2147483647'], ['grafana-data:/var/lib/grafana']);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  const prometheus = services.prometheus;
  if (prometheus?.extra?.rules) {
    const rules = prometheus.extra.rules;
    if (!fs.readFileSync(rules, 'utf8').includes('ShopApiDown')) {
      fs.writeFileSync(
        rules,
        `groups:\n  - name: shop\n    rules:\n      - alert: ShopApiDown\n        expr: up{job="shop-api"} == 0\n        for: 5m\n      - record: shop:requests:rate5m\n        expr: sum(rate(prometheus_http_requests_total[5m]))\n`,
      );
      await fetch(new URL('/-/reload', prometheus.address), { method: 'POST' });
    }
  }
  const pg = services.postgres;
  if (pg) {
    runSync('lab seed', 'psql', ['-v', 'ON_ERROR_STOP=1', '-q', '-h', '127.0.0.1', '-p', String(pg.port), '-U', pg.extra?.user ?? 'postgres', '-d', pg.extra?.database ?? 'lab', '-c',
      `CREATE TABLE IF NOT EXISTS orders (id serial PRIMARY KEY, customer text NOT NULL, total numeric(10,2) NOT NULL, created timestamptz DEFAULT now());
       INSERT INTO orders (customer, total) SELECT 'customer-' || g, (g * 7 % 500) + 0.99 FROM generate_series(1, 250) g WHERE NOT EXISTS (SELECT 1 FROM orders);`]);
  }
  return { registry: registryHost, images: SEED_IMAGES.map((i) => `${registryHost}/${i}`), volumes: ['shop-uploads', 'grafana-data'], containers: ['legacy-cache', 'grafana'] };
}
