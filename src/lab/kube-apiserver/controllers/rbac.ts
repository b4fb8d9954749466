/**
 * The default RBAC objects a kube-apiserver 1.32 creates at start (its bootstrap policy): the
 * user-facing ClusterRoles (cluster-admin, and admin/edit/view aggregated from the
 * system:aggregate-to-* roles), the system:* roles of the control-plane components and of each
 * controller, with their bindings, and the kube-system Roles. Each carries the labels and the
 * autoupdate annotation upstream sets. The clusterrole-aggregation controller is here too: a
 * ClusterRole with an aggregationRule gets the rules of the roles its selectors match, so a CRD's
 * `aggregate-to-admin` role shows up in `admin`.
 */
import type { KubeObject } from '../storage.ts';
import { selectorMatches } from '../validation.ts';
import { benign, type Controller, type ControllerContext } from './framework.ts';

type Rule = { verbs: string[]; apiGroups?: string[]; resources?: string[]; resourceNames?: string[]; nonResourceURLs?: string[] };

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const r = (verbs: string[], apiGroups: string[], resources: string[], resourceNames?: string[]): Rule => ({
  verbs,
  apiGroups,
  resources,
  ...(resourceNames ? { resourceNames } : {}),
});
const urls = (verbs: string[], nonResourceURLs: string[]): Rule => ({ verbs, nonResourceURLs });
const events = [r(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events'])];

const META = { labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' }, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' } };

function clusterRole(name: string, rules: Rule[], extra: { labels?: Record<string, string>; aggregate?: string } = {}): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name, labels: { ...META.labels, ...(extra.labels ?? {}) }, annotations: { ...META.annotations } },
    ...(extra.aggregate
      ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [`rbac.authorization.k8s.io/aggregate-to-${extra.aggregate}`]: 'true' } }] }, rules: [] }
      : { rules }),
  };
}

type Subject = { kind: string; name: string; namespace?: string; apiGroup?: string };
const group = (name: string): Subject => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name });
const user = (name: string): Subject => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name });
const sa = (name: string, namespace = 'kube-system'): Subject => ({ kind: 'ServiceAccount', name, namespace });

function binding(kind: 'ClusterRoleBinding' | 'RoleBinding', name: string, role: string, subjects: Subject[], namespace?: string): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind,
    metadata: { name, ...(namespace ? { namespace } : {}), labels: { ...META.labels }, annotations: { ...META.annotations } },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: kind === 'ClusterRoleBinding' ? 'ClusterRole' : 'Role', name: role },
    ...(subjects.length ? { subjects } : {}),
  };
}

const viewRules: Rule[] = [
  r(READ, [''], ['pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'configmaps']),
  r(READ, [''], ['bindings', 'events', 'limitranges', 'namespaces/status', 'pods/log', 'pods/status', 'replicationcontrollers/status', 'resourcequotas', 'resourcequotas/status']),
  r(READ, [''], ['namespaces']),
  r(READ, ['discovery.k8s.io'], ['endpointslices']),
  r(READ, ['apps'], ['controllerrevisions', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'statefulsets', 'statefulsets/scale', 'statefulsets/status']),
  r(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
  r(READ, ['batch'], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status']),
  r(READ, ['extensions'], ['daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'ingresses', 'ingresses/status', 'networkpolicies', 'replicasets', 'replicasets/scale', 'replicasets/status', 'replicationcontrollers/scale']),
  r(READ, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
  r(READ, ['networking.k8s.io'], ['ingresses', 'ingresses/status', 'networkpolicies']),
];
const editRules: Rule[] = [
  r(['impersonate'], [''], ['serviceaccounts']),
  r(WRITE, [''], ['pods', 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward']),
  r(['create'], [''], ['pods/eviction']),
  r(WRITE, [''], ['replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/proxy', 'persistentvolumeclaims', 'configmaps', 'secrets', 'events']),
  r(['create'], [''], ['serviceaccounts/token']),
  r(WRITE, ['apps'], ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'replicasets', 'replicasets/scale', 'statefulsets', 'statefulsets/scale']),
  r(WRITE, ['autoscaling'], ['horizontalpodautoscalers']),
  r(WRITE, ['batch'], ['cronjobs', 'jobs']),
  r(WRITE, ['extensions'], ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'ingresses', 'networkpolicies', 'replicasets', 'replicasets/scale', 'replicationcontrollers/scale']),
  r(WRITE, ['policy'], ['poddisruptionbudgets']),
  r(WRITE, ['networking.k8s.io'], ['ingresses', 'networkpolicies']),
  r(WRITE, ['coordination.k8s.io'], ['leases']),
  r(READ, [''], ['secrets']),
];
const adminRules: Rule[] = [
  r(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']),
  r([...READ, ...WRITE], ['rbac.authorization.k8s.io'], ['rolebindings', 'roles']),
];

/** The system:controller:* roles, each bound to its kube-system ServiceAccount. */
const CONTROLLERS: Record<string, Rule[]> = {
  'attachdetach-controller': [r(['list', 'watch'], [''], ['persistentvolumes', 'persistentvolumeclaims']), r(READ, [''], ['nodes']), r(['patch', 'update'], [''], ['nodes/status']), r(['list', 'watch'], [''], ['pods']), r(['create', 'delete', 'get', 'list', 'watch'], ['storage.k8s.io'], ['volumeattachments']), r(['get', 'list', 'watch'], ['storage.k8s.io'], ['csidrivers', 'csinodes']), ...events],
  'certificate-controller': [r(['delete', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests']), r(['update'], ['certificates.k8s.io'], ['certificatesigningrequests/approval', 'certificatesigningrequests/status']), r(['approve'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/kube-apiserver-client-kubelet']), r(['sign'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/kube-apiserver-client', 'kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kubelet-serving', 'kubernetes.io/legacy-unknown']), r(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']), ...events],
  'clusterrole-aggregation-controller': [r(['escalate', 'get', 'list', 'patch', 'update', 'watch'], ['rbac.authorization.k8s.io'], ['clusterroles'])],
  'cronjob-controller': [r([...READ, 'update'], ['batch'], ['cronjobs']), r(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], ['batch'], ['jobs']), r(['update'], ['batch'], ['cronjobs/status']), r(['update'], ['batch'], ['cronjobs/finalizers']), r(['delete', 'list'], [''], ['pods']), ...events],
  'daemon-set-controller': [r(READ, ['apps', 'extensions'], ['daemonsets']), r(['update'], ['apps', 'extensions'], ['daemonsets/status']), r(['update'], ['apps', 'extensions'], ['daemonsets/finalizers']), r(['list', 'watch'], [''], ['nodes']), r(['create', 'delete', 'list', 'patch', 'watch'], [''], ['pods']), r(['create'], [''], ['pods/binding']), r(['create', 'delete', 'list', 'patch', 'update', 'watch'], ['apps'], ['controllerrevisions']), ...events],
  'deployment-controller': [r([...READ, 'update'], ['apps', 'extensions'], ['deployments']), r(['update'], ['apps', 'extensions'], ['deployments/status']), r(['update'], ['apps', 'extensions'], ['deployments/finalizers']), r(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], ['apps', 'extensions'], ['replicasets']), r(['get', 'list', 'update', 'watch'], [''], ['pods']), ...events],
  'disruption-controller': [r(READ, ['apps', 'extensions'], ['deployments', 'replicasets', 'statefulsets']), r(READ, [''], ['replicationcontrollers']), r(READ, ['policy'], ['poddisruptionbudgets']), r(['update'], ['policy'], ['poddisruptionbudgets/status']), r(['get'], ['*'], ['*/scale']), ...events],
  'endpoint-controller': [r(READ, [''], ['pods', 'services']), r(['create', 'delete', 'get', 'list', 'update'], [''], ['endpoints']), r(['create'], [''], ['endpoints/restricted']), ...events],
  'endpointslice-controller': [r(READ, [''], ['nodes', 'pods', 'services']), r(['update'], [''], ['services/finalizers']), r(['create', 'delete', 'get', 'list', 'update'], ['discovery.k8s.io'], ['endpointslices']), ...events],
  'endpointslicemirroring-controller': [r(READ, [''], ['endpoints', 'services']), r(['update'], [''], ['endpoints/finalizers']), r(['create', 'delete', 'get', 'list', 'update'], ['discovery.k8s.io'], ['endpointslices']), ...events],
  'ephemeral-volume-controller': [r(['get', 'list', 'watch'], [''], ['pods']), r(['update'], [''], ['pods/finalizers']), r(['create', 'get', 'list', 'watch'], [''], ['persistentvolumeclaims']), ...events],
  'expand-controller': [r(['get', 'list', 'patch', 'update', 'watch'], [''], ['persistentvolumes']), r(['patch', 'update'], [''], ['persistentvolumeclaims/status']), r(READ, [''], ['persistentvolumeclaims']), r(READ, ['storage.k8s.io'], ['storageclasses']), r(['get'], [''], ['endpoints', 'services']), r(['get'], [''], ['secrets']), ...events],
  'generic-garbage-collector': [r(['delete', 'get', 'list', 'patch', 'update', 'watch'], ['*'], ['*']), ...events],
  'horizontal-pod-autoscaler': [r(['get', 'list', 'watch'], ['autoscaling'], ['horizontalpodautoscalers']), r(['update'], ['autoscaling'], ['horizontalpodautoscalers/status']), r(['get', 'update'], ['*'], ['*/scale']), r(['list'], [''], ['pods']), r(['list'], ['metrics.k8s.io'], ['pods']), r(['get', 'list'], ['custom.metrics.k8s.io'], ['*']), r(['get', 'list'], ['external.metrics.k8s.io'], ['*']), ...events],
  'job-controller': [r([...READ, 'update', 'patch'], ['batch'], ['jobs']), r(['update'], ['batch'], ['jobs/status']), r(['update'], ['batch'], ['jobs/finalizers']), r(['create', 'delete', 'list', 'patch', 'watch'], [''], ['pods']), ...events],
  'legacy-service-account-token-cleaner': [r(['delete', 'get', 'list', 'watch'], [''], ['secrets']), r(['get'], [''], ['configmaps'], ['kube-apiserver-legacy-service-account-token-tracking']), r(['patch'], [''], ['secrets']), r(['get', 'list', 'watch'], [''], ['pods', 'serviceaccounts'])],
  'namespace-controller': [r(['delete', 'get', 'list', 'watch'], [''], ['namespaces']), r(['update'], [''], ['namespaces/finalize', 'namespaces/status']), r(['delete', 'deletecollection', 'get', 'list'], ['*'], ['*'])],
  'node-controller': [r(['delete', 'get', 'list', 'patch', 'update'], [''], ['nodes']), r(['patch', 'update'], [''], ['nodes/status']), r(['patch', 'update'], [''], ['pods/status']), r(['delete', 'list'], [''], ['pods']), r(['get'], [''], ['pods']), r(['get', 'list', 'watch'], ['networking.k8s.io'], ['clustercidrs']), ...events],
  'persistent-volume-binder': [r(['create', 'delete', 'get', 'list', 'update', 'watch'], [''], ['persistentvolumes']), r(['update'], [''], ['persistentvolumes/status']), r(['get', 'list', 'update', 'watch'], [''], ['persistentvolumeclaims']), r(['update'], [''], ['persistentvolumeclaims/status']), r(['get', 'list', 'watch'], [''], ['pods']), r(['get', 'list', 'watch'], ['storage.k8s.io'], ['storageclasses']), r(['create', 'delete', 'get'], [''], ['endpoints']), r(['create', 'delete', 'get'], [''], ['services']), r(['get'], [''], ['secrets']), r(['get', 'list'], [''], ['nodes']), r(['watch'], [''], ['events']), ...events],
  'pod-garbage-collector': [r(['delete', 'list', 'watch'], [''], ['pods']), r(['get', 'list'], [''], ['nodes']), r(['patch'], [''], ['pods/status'])],
  'pv-protection-controller': [r(['get', 'list', 'update', 'watch'], [''], ['persistentvolumes']), ...events],
  'pvc-protection-controller': [r(['get', 'list', 'update', 'watch'], [''], ['persistentvolumeclaims']), r(['get', 'list', 'watch'], [''], ['pods']), ...events],
  'replicaset-controller': [r(READ.concat('update'), ['apps', 'extensions'], ['replicasets']), r(['update'], ['apps', 'extensions'], ['replicasets/status']), r(['update'], ['apps', 'extensions'], ['replicasets/finalizers']), r(['create', 'delete', 'list', 'patch', 'watch'], [''], ['pods']), ...events],
  'replication-controller': [r(READ.concat('update'), [''], ['replicationcontrollers']), r(['update'], [''], ['replicationcontrollers/status']), r(['update'], [''], ['replicationcontrollers/finalizers']), r(['create', 'delete', 'list', 'patch', 'watch'], [''], ['pods']), ...events],
  'resourcequota-controller': [r(['list', 'watch'], ['*'], ['*']), r(['update'], [''], ['resourcequotas/status']), ...events],
  'root-ca-cert-publisher': [r(['create', 'update'], [''], ['configmaps']), ...events],
  'route-controller': [r(['list', 'watch'], [''], ['nodes']), r(['patch'], [''], ['nodes/status']), ...events],
  'service-account-controller': [r(['create'], [''], ['serviceaccounts']), ...events],
  'service-controller': [r(READ, [''], ['services']), r(['patch', 'update'], [''], ['services/status']), r(['list', 'watch'], [''], ['nodes']), ...events],
  'statefulset-controller': [r(['list', 'watch'], [''], ['pods']), r(READ, ['apps'], ['statefulsets']), r(['update'], ['apps'], ['statefulsets/status']), r(['update'], ['apps'], ['statefulsets/finalizers']), r(['create', 'delete', 'get', 'patch', 'update'], [''], ['pods']), r(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], ['apps'], ['controllerrevisions']), r(['create', 'get'], [''], ['persistentvolumeclaims']), r(['update'], [''], ['persistentvolumeclaims']), ...events],
  'ttl-after-finished-controller': [r(['delete', 'get', 'list', 'watch'], ['batch'], ['jobs']), ...events],
  'ttl-controller': [r(['list', 'patch', 'update', 'watch'], [''], ['nodes']), ...events],
  'validatingadmissionpolicy-status-controller': [r(['get', 'list', 'watch'], ['admissionregistration.k8s.io'], ['validatingadmissionpolicies']), r(['get', 'patch', 'update'], ['admissionregistration.k8s.io'], ['validatingadmissionpolicies/status']), ...events],
};

export function defaultClusterRoles(): KubeObject[] {
  const csr = (name: string, resources: string[], verbs = ['create']) => clusterRole(name, [r(verbs, ['certificates.k8s.io'], resources)]);
  return [
    clusterRole('cluster-admin', [r(['*'], ['*'], ['*']), urls(['*'], ['*'])]),
    clusterRole('admin', [], { aggregate: 'admin' }),
    clusterRole('edit', [], { aggregate: 'edit', labels: { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' } }),
    clusterRole('view', [], { aggregate: 'view', labels: { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' } }),
    clusterRole('system:aggregate-to-admin', adminRules, { labels: { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' } }),
    clusterRole('system:aggregate-to-edit', editRules, { labels: { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' } }),
    clusterRole('system:aggregate-to-view', viewRules, { labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }),
    clusterRole('system:auth-delegator', [r(['create'], ['authentication.k8s.io'], ['tokenreviews']), r(['create'], ['authorization.k8s.io'], ['subjectaccessreviews'])]),
    clusterRole('system:basic-user', [r(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']), r(['create'], ['authentication.k8s.io'], ['selfsubjectreviews'])]),
    csr('system:certificates.k8s.io:certificatesigningrequests:nodeclient', ['certificatesigningrequests/nodeclient']),
    csr('system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', ['certificatesigningrequests/selfnodeclient']),
    clusterRole('system:certificates.k8s.io:kube-apiserver-client-approver', [r(['approve'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/kube-apiserver-client'])]),
    clusterRole('system:certificates.k8s.io:kube-apiserver-client-kubelet-approver', [r(['approve'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/kube-apiserver-client-kubelet'])]),
    clusterRole('system:certificates.k8s.io:kubelet-serving-approver', [r(['approve'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/kubelet-serving'])]),
    clusterRole('system:certificates.k8s.io:legacy-unknown-approver', [r(['approve'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/legacy-unknown'])]),
    clusterRole('system:discovery', [urls(['get'], ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'])]),
    clusterRole('system:heapster', [r(READ, [''], ['events', 'namespaces', 'nodes', 'pods']), r(READ, ['extensions'], ['deployments'])]),
    clusterRole('system:kube-aggregator', [r(READ, [''], ['endpoints', 'services'])]),
    clusterRole('system:kube-controller-manager', [
      ...events,
      r(['create'], ['coordination.k8s.io'], ['leases']),
      r(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-controller-manager']),
      r(['create'], [''], ['secrets', 'serviceaccounts']),
      r(['delete'], [''], ['secrets']),
      r(['get'], [''], ['configmaps', 'namespaces', 'secrets', 'serviceaccounts']),
      r(['update'], [''], ['secrets', 'serviceaccounts']),
      r(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      r(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
      r(['list', 'watch'], ['*'], ['*']),
      r(['create'], [''], ['serviceaccounts/token']),
    ]),
    clusterRole('system:kube-dns', [r(['list', 'watch'], [''], ['endpoints', 'services']), r(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices'])]),
    clusterRole('system:kube-scheduler', [
      ...events,
      r(['create'], ['coordination.k8s.io'], ['leases']),
      r(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-scheduler']),
      r(['delete', 'get', 'list', 'watch'], [''], ['nodes']),
      r(['get', 'list', 'watch'], [''], ['pods']),
      r(['create'], [''], ['bindings', 'pods/binding']),
      r(['patch', 'update'], [''], ['pods/status']),
      r(['get', 'list', 'watch'], ['', 'apps', 'extensions'], ['replicationcontrollers', 'services', 'replicasets', 'statefulsets']),
      r(['get', 'list', 'watch'], ['policy'], ['poddisruptionbudgets']),
      r(['get', 'list', 'watch'], [''], ['persistentvolumeclaims', 'persistentvolumes']),
      r(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      r(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
      r(['get', 'list', 'watch'], ['storage.k8s.io'], ['csinodes', 'csidrivers', 'csistoragecapacities']),
      r(['get', 'list', 'watch'], [''], ['namespaces']),
    ]),
    clusterRole('system:kubelet-api-admin', [r(['get', 'list', 'watch', 'proxy'], [''], ['nodes']), r(['*'], [''], ['nodes/log', 'nodes/metrics', 'nodes/proxy', 'nodes/stats'])]),
    clusterRole('system:monitoring', [urls(['get'], ['/healthz', '/healthz/*', '/livez', '/livez/*', '/metrics', '/metrics/slis', '/readyz', '/readyz/*'])]),
    clusterRole('system:node', [
      r(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      r(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews', 'subjectaccessreviews']),
      r(READ, [''], ['services']),
      r(['create', 'get', 'list', 'watch'], [''], ['nodes']),
      r(['patch', 'update'], [''], ['nodes/status']),
      r(['patch', 'update'], [''], ['nodes']),
      r(['create', 'patch', 'update'], [''], ['events']),
      r(['get', 'list', 'watch'], [''], ['pods']),
      r(['create', 'delete'], [''], ['pods']),
      r(['patch', 'update'], [''], ['pods/status']),
      r(['create'], [''], ['pods/eviction']),
      r(['get'], [''], ['configmaps', 'secrets']),
      r(['get'], [''], ['persistentvolumeclaims', 'persistentvolumes']),
      r(['get'], [''], ['endpoints']),
      r(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests']),
      r(['create', 'delete', 'get', 'patch', 'update'], ['coordination.k8s.io'], ['leases']),
      r(['get'], ['storage.k8s.io'], ['volumeattachments']),
      r(['create'], [''], ['serviceaccounts/token']),
      r(['get', 'patch', 'update'], [''], ['persistentvolumeclaims/status']),
      r(['get', 'list', 'watch'], ['node.k8s.io'], ['runtimeclasses']),
      r(['get', 'list', 'watch'], ['storage.k8s.io'], ['csidrivers']),
      r(['create', 'delete', 'get', 'patch', 'update'], ['storage.k8s.io'], ['csinodes']),
    ]),
    clusterRole('system:node-bootstrapper', [r(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests'])]),
    clusterRole('system:node-problem-detector', [r(['get'], [''], ['nodes']), r(['patch'], [''], ['nodes/status']), ...events]),
    clusterRole('system:node-proxier', [r(['list', 'watch'], [''], ['endpoints', 'services']), r(['get', 'list', 'watch'], [''], ['nodes']), ...events, r(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices'])]),
    clusterRole('system:persistent-volume-provisioner', [r(['create', 'delete', 'get', 'list', 'watch'], [''], ['persistentvolumes']), r(['get', 'list', 'update', 'watch'], [''], ['persistentvolumeclaims']), r(['get', 'list', 'watch'], ['storage.k8s.io'], ['storageclasses']), r(['list', 'watch'], [''], ['events']), ...events]),
    clusterRole('system:public-info-viewer', [urls(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/'])]),
    clusterRole('system:service-account-issuer-discovery', [urls(['get'], ['/.well-known/openid-configuration', '/.well-known/openid-configuration/', '/openid/v1/jwks', '/openid/v1/jwks/'])]),
    clusterRole('system:volume-scheduler', [r(['get', 'list', 'patch', 'update', 'watch'], [''], ['persistentvolumes']), r(READ, ['storage.k8s.io'], ['storageclasses']), r(['get', 'list', 'patch', 'update', 'watch'], [''], ['persistentvolumeclaims'])]),
    ...Object.entries(CONTROLLERS).map(([name, rules]) => clusterRole(`system:controller:${name}`, rules)),
  ];
}

export function defaultClusterRoleBindings(): KubeObject[] {
  const crb = (name: string, subjects: Subject[], role = name) => binding('ClusterRoleBinding', name, role, subjects);
  return [
    crb('cluster-admin', [group('system:masters')]),
    crb('system:basic-user', [group('system:authenticated')]),
    crb('system:discovery', [group('system:authenticated')]),
    crb('system:kube-controller-manager', [user('system:kube-controller-manager')]),
    crb('system:kube-dns', [sa('kube-dns')]),
    crb('system:kube-scheduler', [user('system:kube-scheduler')]),
    crb('system:monitoring', [group('system:monitoring')]),
    crb('system:node', []),
    crb('system:node-proxier', [user('system:kube-proxy')]),
    crb('system:public-info-viewer', [group('system:authenticated'), group('system:unauthenticated')]),
    crb('system:service-account-issuer-discovery', [group('system:serviceaccounts')]),
    crb('system:volume-scheduler', [user('system:kube-scheduler')]),
    ...Object.keys(CONTROLLERS).map((name) => crb(`system:controller:${name}`, [sa(name)])),
  ];
}

function role(name: string, namespace: string, rules: Rule[]): KubeObject {
  return { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name, namespace, labels: { ...META.labels }, annotations: { ...META.annotations } }, rules };
}

export function defaultRoles(): KubeObject[] {
  return [
    role('extension-apiserver-authentication-reader', 'kube-system', [r(['get', 'list', 'watch'], [''], ['configmaps'], ['extension-apiserver-authentication'])]),
    role('system::leader-locking-kube-controller-manager', 'kube-system', [r(['watch'], [''], ['configmaps']), r(['get', 'update'], [''], ['configmaps'], ['kube-controller-manager'])]),
    role('system::leader-locking-kube-scheduler', 'kube-system', [r(['watch'], [''], ['configmaps']), r(['get', 'update'], [''], ['configmaps'], ['kube-scheduler'])]),
    role('system:controller:bootstrap-signer', 'kube-system', [r(['get', 'list', 'watch'], [''], ['secrets'])]),
    role('system:controller:cloud-provider', 'kube-system', [r(['create', 'get', 'list', 'watch'], [''], ['configmaps'])]),
    role('system:controller:token-cleaner', 'kube-system', [r(['delete', 'get', 'list', 'watch'], [''], ['secrets']), ...events]),
    role('system:controller:bootstrap-signer', 'kube-public', [r(['get', 'list', 'watch'], [''], ['configmaps']), r(['update'], [''], ['configmaps'], ['cluster-info']), ...events]),
  ];
}

export function defaultRoleBindings(): KubeObject[] {
  const rb = (name: string, namespace: string, subjects: Subject[], roleName = name) => binding('RoleBinding', name, roleName, subjects, namespace);
  return [
    rb('system::extension-apiserver-authentication-reader', 'kube-system', [user('system:kube-controller-manager'), user('system:kube-scheduler')], 'extension-apiserver-authentication-reader'),
    rb('system::leader-locking-kube-controller-manager', 'kube-system', [user('system:kube-controller-manager'), sa('kube-controller-manager')]),
    rb('system::leader-locking-kube-scheduler', 'kube-system', [user('system:kube-scheduler'), sa('kube-scheduler')]),
    rb('system:controller:bootstrap-signer', 'kube-system', [sa('bootstrap-signer')]),
    rb('system:controller:cloud-provider', 'kube-system', [sa('cloud-provider')]),
    rb('system:controller:token-cleaner', 'kube-system', [sa('token-cleaner')]),
    rb('system:controller:bootstrap-signer', 'kube-public', [sa('bootstrap-signer')]),
  ];
}

const ruleKey = (rule: Rule) => JSON.stringify(rule);

/** The clusterrole-aggregation controller. */
export function clusterRoleAggregator(ctx: ControllerContext): Controller {
  const aggregated = () => ctx.list('rbac.authorization.k8s.io', 'clusterroles').filter((c) => c.aggregationRule?.clusterRoleSelectors?.length).map((c) => c.metadata.name);
  return {
    name: 'clusterrole-aggregation',
    keysFor: (e) => (ctx.is(e, 'rbac.authorization.k8s.io', 'clusterroles') ? aggregated() : []),
    resync: aggregated,
    async reconcile(name) {
      const target = ctx.get('rbac.authorization.k8s.io', 'clusterroles', undefined, name);
      const selectors = target?.aggregationRule?.clusterRoleSelectors ?? [];
      if (!target || selectors.length === 0) return;
      const rules: Rule[] = [];
      const seen = new Set<string>();
      const sources = ctx
        .list('rbac.authorization.k8s.io', 'clusterroles')
        .filter((c) => c.metadata.name !== name && selectors.some((s: Record<string, unknown>) => selectorMatches(s, c.metadata.labels)))
        .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
      for (const source of sources) {
        for (const rule of source.rules ?? []) {
          if (seen.has(ruleKey(rule))) continue;
          seen.add(ruleKey(rule));
          rules.push(rule);
        }
      }
      if (JSON.stringify(target.rules ?? []) === JSON.stringify(rules)) return;
      await ctx.api.mutate(ctx.info('rbac.authorization.k8s.io', 'clusterroles'), undefined, name, (o) => ({ ...o, rules })).catch(benign);
    },
  };
}
