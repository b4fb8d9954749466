/**
 * What a fresh cluster has: the four system namespaces, the `kubernetes` Service, the default
 * RBAC objects, the lab's Node objects and its default StorageClass; and in every namespace a
 * `default` ServiceAccount and the `kube-root-ca.crt` ConfigMap.
 * Each is created only when missing, so a restart or an etcd restore keeps what is there.
 */
import { ApiError } from '../errors.ts';
import type { ResourceInfo } from '../registry.ts';
import type { KubeObject } from '../storage.ts';
import { benign, type Controller, type ControllerContext } from './framework.ts';
import { defaultClusterRoleBindings, defaultClusterRoles, defaultRoleBindings, defaultRoles } from './rbac.ts';

export const STORAGE_CLASS = 'lab-hostpath';
export const PROVISIONER = 'lifeboat.dev/lab-hostpath';

async function ensure(ctx: ControllerContext, info: ResourceInfo, object: KubeObject): Promise<void> {
  try {
    await ctx.api.create(info, object.metadata.namespace, object);
  } catch (e) {
    if (!(e instanceof ApiError && e.code === 409)) throw e;
  }
}

function node(name: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'beta.kubernetes.io/arch': 'amd64',
      },
    },
    spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] },
  };
}

function nodeStatus(index: number): Record<string, unknown> {
  return {
    capacity: { cpu: '2', memory: '4030000Ki', pods: '110', 'ephemeral-storage': '61255492Ki' },
    allocatable: { cpu: '2', memory: '3927600Ki', pods: '110', 'ephemeral-storage': '56453061821' },
    conditions: [
      { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') },
    ],
    addresses: [
      { type: 'InternalIP', address: `10.0.0.${10 + index}` },
      { type: 'Hostname', address: `lab-node-${index + 1}` },
    ],
    nodeInfo: {
      kubeletVersion: 'v1.32.0',
      kubeProxyVersion: 'v1.32.0',
      containerRuntimeVersion: 'containerd://1.7.0',
      operatingSystem: 'linux',
      architecture: 'amd64',
      osImage: 'lifeboat lab',
      kernelVersion: '6.1.0',
      machineID: '',
      systemUUID: '',
      bootID: '',
    },
  };
}

export async function bootstrap(ctx: ControllerContext): Promise<void> {
  const namespaces = ctx.info('', 'namespaces');
  for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
    await ensure(ctx, namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }
  const rbac = (resource: string) => ctx.info('rbac.authorization.k8s.io', resource);
  for (const o of defaultClusterRoles()) await ensure(ctx, rbac('clusterroles'), o);
  for (const o of defaultClusterRoleBindings()) await ensure(ctx, rbac('clusterrolebindings'), o);
  for (const o of defaultRoles()) await ensure(ctx, rbac('roles'), o);
  for (const o of defaultRoleBindings()) await ensure(ctx, rbac('rolebindings'), o);
  const nodes = ctx.info('', 'nodes');
  for (const [i, name] of ctx.options.nodes.entries()) {
    if (await ctx.api.tryGet(nodes, undefined, name)) continue;
    await ensure(ctx, nodes, node(name));
    await ctx.api.mutate(nodes, undefined, name, (o) => ({ ...o, status: nodeStatus(i) }), { subresource: 'status' });
  }
  await ensure(ctx, ctx.info('', 'services'), {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: { type: 'ClusterIP', clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }] },
  });
  await ensure(ctx, ctx.info('storage.k8s.io', 'storageclasses'), {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: STORAGE_CLASS, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: PROVISIONER,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'Immediate',
  });
}

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
const ROOT_CA_DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

/**
 * In each namespace: a `default` ServiceAccount (the service-account controller) and the
 * `kube-root-ca.crt` ConfigMap with the cluster CA, put back when changed or deleted (the
 * root-ca-cert-publisher).
 */
export function namespaceDefaultsController(ctx: ControllerContext): Controller {
  const live = () => ctx.list('', 'namespaces').filter((n) => !n.metadata.deletionTimestamp).map((n) => n.metadata.name);
  return {
    name: 'serviceaccount',
    keysFor: (e) => {
      if (e.type === 'put' && ctx.is(e, '', 'namespaces') && !e.object.metadata.deletionTimestamp) return [e.object.metadata.name];
      if (ctx.is(e, '', 'configmaps') && e.object.metadata.name === ROOT_CA_CONFIGMAP) return [e.object.metadata.namespace];
      if (e.type === 'delete' && ctx.is(e, '', 'serviceaccounts') && e.object.metadata.name === 'default') return [e.object.metadata.namespace];
      return [];
    },
    resync: live,
    async reconcile(namespace) {
      const ns = ctx.get('', 'namespaces', undefined, namespace);
      if (!ns || ns.metadata.deletionTimestamp) return;
      if (!ctx.get('', 'serviceaccounts', namespace, 'default')) {
        await ctx.api
          .create(ctx.info('', 'serviceaccounts'), namespace, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace } })
          .catch(benign);
      }
      const data = { 'ca.crt': ctx.options.caCert };
      const cm = ctx.get('', 'configmaps', namespace, ROOT_CA_CONFIGMAP);
      const info = ctx.info('', 'configmaps');
      if (!cm) {
        await ctx.api
          .create(info, namespace, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROOT_CA_CONFIGMAP, namespace, annotations: { 'kubernetes.io/description': ROOT_CA_DESCRIPTION } }, data })
          .catch(benign);
      } else if (JSON.stringify(cm.data ?? {}) !== JSON.stringify(data) && !cm.metadata.deletionTimestamp) {
        await ctx.api.mutate(info, namespace, ROOT_CA_CONFIGMAP, (o) => ({ ...o, data })).catch(benign);
      }
    },
  };
}
