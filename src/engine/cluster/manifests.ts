// What `lifeboat install` puts into a cluster, as plain objects: `install --dry-run -o yaml`
// prints them, `install` applies them, `uninstall` deletes what carries the part-of label.
// One coordinator (a Deployment whose pods contend for a Lease), one agent per node (a
// DaemonSet reading its own node's volume folders), backup runs as Jobs under a read-only
// identity; restore has its own, separate identity.
import { IMAGE_ENTRYPOINT } from './image.ts';

export const PART_OF = { 'app.kubernetes.io/part-of': 'lifeboat' };
export const PART_OF_SELECTOR = 'app.kubernetes.io/part-of=lifeboat';
export const DEFAULT_NAMESPACE = 'lifeboat-system';
export const BACKUP_SA = 'lifeboat-backup';
export const RESTORE_SA = 'lifeboat-restore';
export const REPOSITORY_SECRET = 'lifeboat-repository';
export const CONFIG_MAP = 'lifeboat-config';
export const CONTROLLER = 'lifeboat-controller';
export const NODE_AGENT = 'lifeboat-node-agent';
export const CONTROLLER_LEASE = 'lifeboat-controller';
export const MAINTENANCE = 'lifeboat-maintenance';
export const DEFAULT_MAINTENANCE_CRON = '0 4 * * *';
export const DEFAULT_METRICS_PORT = 8085;
/** Where the agent sees its node's pod volume folders (as Velero's node-agent: /var/lib/kubelet/pods). */
export const DEFAULT_HOST_PODS = '/var/lib/kubelet/pods';
export const AGENT_HOST_PODS_MOUNT = '/host_pods';
export const CONFIG_MOUNT = '/etc/lifeboat';

/**
 * What a --dry-run prints instead of a secret value unless the user asks for the values. The
 * product refuses to start with it, so applying the printed YAML as it is fails loudly.
 */
export const SECRET_PLACEHOLDER = '<hidden: lifeboat install fills this in; a dry run that shows secrets prints it>';

export interface InstallOptions {
  namespace: string;
  image: string;
  imagePullPolicy?: 'IfNotPresent' | 'Always' | 'Never';
  /** Repository location (s3:... for a repository every node can reach). */
  repository: string;
  password: string;
  /** S3 credentials and endpoint, from the installer's environment. */
  s3?: { accessKeyId?: string; secretAccessKey?: string; sessionToken?: string; endpoint?: string; region?: string };
  /** lifeboat.yaml for the pods (sources to back up), as text. */
  config?: string;
  metricsPort?: number;
  hostPods?: string;
  /** Print secret values (else the placeholder). */
  showSecrets?: boolean;
  /** When the maintenance Job (retention, prune, check) runs; default daily at 04:00 UTC. */
  maintenanceCron?: string;
  /** Stamped on the pod templates, so a new install restarts the pods with the new Secret. */
  installedAt?: string;
}

type Obj = Record<string, any>;

const meta = (name: string, namespace: string | undefined, component?: string, extra: Obj = {}): Obj => ({
  name,
  ...(namespace ? { namespace } : {}),
  labels: { 'app.kubernetes.io/name': 'lifeboat', ...PART_OF, ...(component ? { 'app.kubernetes.io/component': component } : {}) },
  ...extra,
});

/** The environment every lifeboat pod runs with: the repository from the ConfigMap and Secret. */
export function podEnv(): Obj[] {
  return [
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
    // Repository locks name the pod, not the node's shared hostname (see lockHostname).
    { name: 'LIFEBOAT_HOSTNAME', value: '$(POD_NAME)' },
    { name: 'LIFEBOAT_CONFIG', value: `${CONFIG_MOUNT}/lifeboat.yaml` },
    { name: 'HOME', value: '/tmp' },
  ];
}

export const podEnvFrom = (): Obj[] => [{ configMapRef: { name: CONFIG_MAP } }, { secretRef: { name: REPOSITORY_SECRET } }];
export const configVolume = (): Obj => ({ name: 'config', configMap: { name: CONFIG_MAP } });
export const configMount = (): Obj => ({ name: 'config', mountPath: CONFIG_MOUNT, readOnly: true });

/** A container running `lifeboat <args>` in the image. */
export function lifeboatContainer(name: string, image: string, args: string[], pullPolicy = 'IfNotPresent', extra: Obj = {}): Obj {
  return {
    name,
    image,
    imagePullPolicy: pullPolicy,
    command: IMAGE_ENTRYPOINT,
    args,
    env: podEnv(),
    envFrom: podEnvFrom(),
    ...extra,
    volumeMounts: [configMount(), ...(extra.volumeMounts ?? [])],
  };
}

function crd(): Obj {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: meta('workitems.lifeboat.dev', undefined),
    spec: {
      group: 'lifeboat.dev',
      scope: 'Namespaced',
      names: { plural: 'workitems', singular: 'workitem', kind: 'WorkItem', listKind: 'WorkItemList', shortNames: ['lbwi'] },
      versions: [
        {
          name: 'v1alpha1',
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Run', type: 'string', jsonPath: '.spec.run' },
            { name: 'Node', type: 'string', jsonPath: '.spec.node' },
            { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
            { name: 'Bytes', type: 'integer', jsonPath: '.status.bytesDone' },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: "One part of a backup run: a volume's data, handed to the node agent on the node that holds it.",
              properties: {
                spec: {
                  type: 'object',
                  required: ['run', 'node'],
                  properties: {
                    run: { type: 'string', description: 'The run (Job) this item belongs to.' },
                    node: { type: 'string', description: 'The node whose agent does the work.' },
                    volume: { type: 'string', description: 'The PersistentVolume.' },
                    claim: { type: 'string', description: 'namespace/name of its claim.' },
                    path: { type: 'string', description: 'Where the data is, as the agent sees it.' },
                    cancel: { type: 'boolean', description: 'Set to stop the work.' },
                  },
                },
                status: {
                  type: 'object',
                  properties: {
                    phase: { type: 'string', enum: ['Pending', 'Running', 'Done', 'Failed', 'Cancelled'] },
                    agent: { type: 'string' },
                    bytesDone: { type: 'integer' },
                    bytesTotal: { type: 'integer' },
                    files: { type: 'integer' },
                    tree: { type: 'string', description: 'The tree the agent wrote.' },
                    error: { type: 'string' },
                    startTime: { type: 'string', format: 'date-time' },
                    completionTime: { type: 'string', format: 'date-time' },
                  },
                },
              },
            },
          },
        },
      ],
    },
  };
}

/** Every object of an installation, in the order they are applied (deleted in reverse). */
export function installManifests(o: InstallOptions): Obj[] {
  const ns = o.namespace;
  const pull = o.imagePullPolicy ?? 'IfNotPresent';
  const port = o.metricsPort ?? DEFAULT_METRICS_PORT;
  const stamp = o.installedAt ? { annotations: { 'lifeboat.dev/installed-at': o.installedAt } } : {};
  const hide = (v: string | undefined) => (v === undefined ? undefined : o.showSecrets ? v : SECRET_PLACEHOLDER);
  const secretData: Obj = { LIFEBOAT_PASSWORD: hide(o.password) };
  if (o.s3?.accessKeyId) secretData.AWS_ACCESS_KEY_ID = hide(o.s3.accessKeyId);
  if (o.s3?.secretAccessKey) secretData.AWS_SECRET_ACCESS_KEY = hide(o.s3.secretAccessKey);
  if (o.s3?.sessionToken) secretData.AWS_SESSION_TOKEN = hide(o.s3.sessionToken);
  const configData: Obj = { LIFEBOAT_REPOSITORY: o.repository, 'lifeboat.yaml': o.config ?? '{}\n' };
  if (o.s3?.endpoint) configData.AWS_ENDPOINT_URL_S3 = o.s3.endpoint;
  if (o.s3?.region) configData.AWS_REGION = o.s3.region;
  const sa = (name: string, component: string): Obj => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(name, ns, component) });
  const clusterRole = (name: string, rules: Obj[]): Obj => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: meta(name, undefined), rules });
  const clusterBinding = (name: string, role: string, account: string): Obj => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: meta(name, undefined),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: [{ kind: 'ServiceAccount', name: account, namespace: ns }],
  });
  const agentLabels = { 'app.kubernetes.io/name': 'lifeboat', 'app.kubernetes.io/component': 'node-agent' };
  const controllerLabels = { 'app.kubernetes.io/name': 'lifeboat', 'app.kubernetes.io/component': 'controller' };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: meta(ns, undefined) },
    crd(),
    sa(BACKUP_SA, 'backup'),
    sa(RESTORE_SA, 'restore'),
    // Backups read everything and write nothing outside lifeboat's own namespace.
    clusterRole('lifeboat-backup', [{ apiGroups: ['*'], resources: ['*'], verbs: ['get', 'list', 'watch'] }, { nonResourceURLs: ['*'], verbs: ['get'] }]),
    clusterBinding('lifeboat-backup', 'lifeboat-backup', BACKUP_SA),
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta('lifeboat-backup', ns),
      rules: [
        { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
        { apiGroups: ['lifeboat.dev'], resources: ['workitems', 'workitems/status'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
        { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta('lifeboat-backup', ns),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'lifeboat-backup' },
      subjects: [{ kind: 'ServiceAccount', name: BACKUP_SA, namespace: ns }],
    },
    // A restore writes objects back: a separate identity, used only by restore Jobs.
    clusterRole('lifeboat-restore', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, { nonResourceURLs: ['*'], verbs: ['get'] }]),
    clusterBinding('lifeboat-restore', 'lifeboat-restore', RESTORE_SA),
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(CONFIG_MAP, ns), data: configData },
    { apiVersion: 'v1', kind: 'Secret', metadata: meta(REPOSITORY_SECRET, ns), type: 'Opaque', stringData: secretData },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(CONTROLLER, ns, 'controller'),
      spec: {
        // One coordinator at a time: replicas contend for the Lease; the Recreate strategy keeps
        // an update from running two for long.
        replicas: 1,
        strategy: { type: 'Recreate' },
        selector: { matchLabels: controllerLabels },
        template: {
          metadata: { labels: { ...controllerLabels, ...PART_OF }, ...stamp },
          spec: {
            serviceAccountName: BACKUP_SA,
            terminationGracePeriodSeconds: 10,
            containers: [
              lifeboatContainer('controller', o.image, ['controller', '--metrics-port', String(port)], pull, {
                ports: [{ name: 'metrics', containerPort: port }],
              }),
            ],
            volumes: [configVolume()],
          },
        },
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: meta(NODE_AGENT, ns, 'node-agent'),
      spec: {
        selector: { matchLabels: agentLabels },
        template: {
          metadata: { labels: { ...agentLabels, ...PART_OF }, ...stamp },
          spec: {
            serviceAccountName: BACKUP_SA,
            terminationGracePeriodSeconds: 10,
            tolerations: [{ operator: 'Exists' }],
            containers: [
              lifeboatContainer('node-agent', o.image, ['agent'], pull, {
                volumeMounts: [{ name: 'host-pods', mountPath: AGENT_HOST_PODS_MOUNT, readOnly: true }],
              }),
            ],
            volumes: [configVolume(), { name: 'host-pods', hostPath: { path: o.hostPods ?? DEFAULT_HOST_PODS, type: 'DirectoryOrCreate' } }],
          },
        },
      },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: meta(MAINTENANCE, ns, 'maintenance'),
      spec: {
        schedule: o.maintenanceCron ?? DEFAULT_MAINTENANCE_CRON,
        timeZone: 'Etc/UTC',
        concurrencyPolicy: 'Forbid',
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          metadata: { labels: { ...PART_OF, 'app.kubernetes.io/component': 'maintenance' } },
          spec: {
            backoffLimit: 0,
            template: {
              metadata: { labels: { ...PART_OF, 'app.kubernetes.io/component': 'maintenance' } },
              spec: {
                serviceAccountName: BACKUP_SA,
                restartPolicy: 'Never',
                terminationGracePeriodSeconds: 30,
                // Waits up to an hour for running backups to release the repository.
                containers: [lifeboatContainer('maintenance', o.image, ['maintenance', 'exec', '--wait-lock', '3600'], pull)],
                volumes: [configVolume()],
              },
            },
          },
        },
      },
    },
  ];
}
