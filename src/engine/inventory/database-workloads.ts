// Databases found in the cluster: a StatefulSet or Deployment whose pods run a database image.
// Its volume is copied file by file while the server writes to it, so that copy alone may not
// start again: with no dump configured for it the workload is at risk, and the row says what to
// configure; with one (by `workload: namespace/name`, or a host naming its Service) it is covered
// when that dump is in a snapshot. The passwords it reads are named by their Secret, never shown.
import type { LifeboatConfig } from '../config/schema.ts';
import type { KubeObject } from '../kube/client.ts';
import type { ApiResource } from '../kube/discovery.ts';
import { databaseId } from '../sources/item-ids.ts';
import type { SourceKind } from '../sources/types.ts';
import type { InventoryItem } from './types.ts';

interface Engine {
  name: string;
  /** The image's repository name (last path part, no tag), e.g. `postgres`, `bitnami/mariadb` -> `mariadb`. */
  images: RegExp;
  /** What to configure, or why lifeboat cannot dump it yet. */
  configure: string;
  /** The config entries that dump it: [source, item id, host, workload]. */
  dumps(config: LifeboatConfig): { source: SourceKind; id: string; name: string; host?: string; workload?: string }[];
}

const ENGINES: Engine[] = [
  {
    name: 'PostgreSQL',
    images: /^(postgres|postgresql|postgis|timescaledb|postgresql-repmgr|pgvector)$/,
    configure: 'add it to databases[] of lifeboat.yaml (kind: postgresql, host: its Service) so pg_dump takes a consistent copy',
    dumps: (c) => (c.databases ?? []).map((d) => ({ source: 'databases' as SourceKind, id: databaseId(d.name, d.database), name: d.name, host: d.host })),
  },
  {
    name: 'MariaDB/MySQL',
    images: /^(mariadb|mysql|mysql-server|percona|percona-server|mariadb-galera)$/,
    configure: 'add it to mariadb[] of lifeboat.yaml (host: its Service, workload: NAMESPACE/NAME) so mariadb-dump takes a consistent copy',
    dumps: (c) => (c.mariadb ?? []).map((m) => ({ source: 'mariadb' as SourceKind, id: `mariadb:${m.name}`, name: m.name, host: m.host, workload: m.workload })),
  },
  {
    name: 'Redis',
    images: /^(redis|redis-stack|redis-stack-server|valkey|keydb)$/,
    configure: 'add it to redis[] of lifeboat.yaml (host: its Service, workload: NAMESPACE/NAME) so an RDB snapshot is taken through the server',
    dumps: (c) => (c.redis ?? []).map((r) => ({ source: 'redis' as SourceKind, id: `redis:${r.name}`, name: r.name, host: r.host, workload: r.workload })),
  },
  {
    name: 'MongoDB',
    images: /^(mongo|mongodb|mongodb-community-server|percona-server-mongodb)$/,
    configure: 'lifeboat has no MongoDB dump yet: add a lifeboat.dev/pre-backup hook that runs fsyncLock (and a post-backup fsyncUnlock) around the volume copy',
    dumps: () => [],
  },
  {
    name: 'Elasticsearch',
    images: /^(elasticsearch|opensearch)$/,
    configure: 'lifeboat has no Elasticsearch snapshot yet: take one with its snapshot API into a bucket that lifeboat backs up (buckets[])',
    dumps: () => [],
  },
];

/** The image's repository name: `docker.io/bitnami/postgresql:16@sha256:...` -> `postgresql`. */
export function imageBaseName(image: string): string {
  const noDigest = image.split('@')[0]!;
  const last = noDigest.split('/').at(-1)!;
  return last.replace(/:[^:]*$/, '').toLowerCase();
}

export function databaseEngine(image: string): Engine | undefined {
  const base = imageBaseName(image);
  return ENGINES.find((e) => e.images.test(base));
}

interface Container {
  name?: string;
  image?: string;
  env?: { name: string; valueFrom?: { secretKeyRef?: { name?: string; key?: string } } }[];
  envFrom?: { secretRef?: { name?: string } }[];
}
interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec?: { containers?: Container[] };
}

/** Where the workload's passwords come from: Secret names and keys, never their values. */
function secretRefs(ns: string, containers: Container[]): string[] {
  const out = new Set<string>();
  for (const c of containers) {
    for (const e of c.env ?? []) {
      const ref = e.valueFrom?.secretKeyRef;
      if (ref?.name && /PASS|AUTH|SECRET|CREDENTIAL/i.test(e.name)) out.add(`${e.name} from Secret ${ns}/${ref.name} key ${ref.key ?? '?'}`);
    }
    for (const f of c.envFrom ?? []) if (f.secretRef?.name) out.add(`environment from Secret ${ns}/${f.secretRef.name}`);
  }
  return [...out];
}

/** Services of the namespace whose selector picks the template's pods. */
function servicesOf(ns: string, labels: Record<string, string>, objects: { resource: ApiResource; obj: KubeObject }[]): string[] {
  return objects
    .filter(({ resource, obj }) => resource.kind === 'Service' && resource.group === '' && obj.metadata.namespace === ns)
    .filter(({ obj }) => {
      const sel = (obj.spec as { selector?: Record<string, string> } | undefined)?.selector;
      return sel && Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => labels[k] === v);
    })
    .map(({ obj }) => obj.metadata.name);
}

/** Whether a configured host names one of these Services (or the workload) in the namespace. */
function hostNames(host: string | undefined, ns: string, names: string[]): boolean {
  if (!host) return false;
  const h = host.toLowerCase().replace(/\.$/, '');
  return names.some((n) => [`${n}.${ns}`, `${n}.${ns}.svc`, `${n}.${ns}.svc.cluster.local`].includes(h));
}

export function classifyDatabaseWorkloads(objects: { resource: ApiResource; obj: KubeObject }[], config: LifeboatConfig): InventoryItem[] {
  const out: InventoryItem[] = [];
  for (const { resource, obj } of objects) {
    if (resource.group !== 'apps' || (resource.kind !== 'StatefulSet' && resource.kind !== 'Deployment')) continue;
    const ns = obj.metadata.namespace ?? 'default';
    const template = (obj.spec as { template?: PodTemplate } | undefined)?.template;
    const containers = template?.spec?.containers ?? [];
    const found = containers.map((c) => ({ c, engine: c.image ? databaseEngine(c.image) : undefined })).find((x) => x.engine);
    if (!found) continue;
    const engine = found.engine!;
    const workload = `${ns}/${obj.metadata.name}`;
    const services = servicesOf(ns, template?.metadata?.labels ?? {}, objects);
    const dump = engine.dumps(config).find((d) => d.workload === workload || hostNames(d.host, ns, [...services, obj.metadata.name]));
    const secrets = secretRefs(ns, containers);
    const what = `${engine.name} (${found.c.image}) in ${resource.kind} ${workload}`;
    const details: Record<string, string> = { engine: engine.name, image: found.c.image!, workload: `${resource.kind} ${workload}` };
    if (services.length) details.services = services.join(',');
    if (secrets.length) details.passwords = secrets.join('; ');
    const base = { id: `database-workload:${ns}/${resource.resource}/${obj.metadata.name}`, group: ns, kind: 'Database', name: obj.metadata.name, namespace: ns };
    if (dump) {
      out.push({ ...base, source: dump.source, verdict: 'needs-backup', reason: `${what}: dumped by ${dump.source} '${dump.name}'`, details: { ...details, coveredBy: dump.id } });
    } else {
      out.push({ ...base, verdict: 'at-risk', reason: `${what} with no dump: its volume is copied while it writes; configure a dump: ${engine.configure}`, details });
    }
  }
  return out;
}
