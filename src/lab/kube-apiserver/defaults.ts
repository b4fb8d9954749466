/**
 * Defaulting as kube-apiserver does it: its SetDefaults_* functions run on every object decoded
 * from a request (create, update, and the result of a patch), so a default is there after a
 * re-apply too. Only defaults that do not depend on other objects live here; admission-time
 * defaults (default StorageClass, Service IPs) are the plugins'.
 */
import type { ResourceInfo } from './registry.ts';
import type { KubeObject } from './storage.ts';

type Json = Record<string, any>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const each = (list: unknown, fn: (item: Json) => void) => {
  if (Array.isArray(list)) for (const x of list) if (isObject(x)) fn(x);
};

function probe(p: Json | undefined): void {
  if (!isObject(p)) return;
  p.timeoutSeconds ??= 1;
  p.periodSeconds ??= 10;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
  handler(p);
}

function handler(h: Json | undefined): void {
  if (!isObject(h)) return;
  if (isObject(h.httpGet)) {
    h.httpGet.path ??= '/';
    h.httpGet.scheme ??= 'HTTP';
  }
}

function imagePullPolicy(image: unknown): string {
  const ref = String(image ?? '');
  if (ref.includes('@')) return 'IfNotPresent';
  const last = ref.slice(ref.lastIndexOf('/') + 1);
  const tag = last.includes(':') ? last.slice(last.indexOf(':') + 1) : '';
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function container(c: Json): void {
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  c.imagePullPolicy ??= imagePullPolicy(c.image);
  c.resources ??= {};
  each(c.ports, (p) => {
    p.protocol ??= 'TCP';
  });
  each(c.env, (e) => {
    if (isObject(e.valueFrom?.fieldRef)) e.valueFrom.fieldRef.apiVersion ??= 'v1';
  });
  probe(c.livenessProbe);
  probe(c.readinessProbe);
  probe(c.startupProbe);
  if (isObject(c.lifecycle)) {
    handler(c.lifecycle.postStart);
    handler(c.lifecycle.preStop);
  }
}

function volume(v: Json): void {
  for (const kind of ['secret', 'configMap', 'downwardAPI', 'projected']) if (isObject(v[kind])) v[kind].defaultMode ??= 420;
  if (isObject(v.hostPath)) v.hostPath.type ??= '';
  if (isObject(v.downwardAPI)) each(v.downwardAPI.items, (i) => isObject(i.fieldRef) && (i.fieldRef.apiVersion ??= 'v1'));
  if (isObject(v.projected)) {
    each(v.projected.sources, (s) => {
      if (isObject(s.serviceAccountToken)) s.serviceAccountToken.expirationSeconds ??= 3600;
      if (isObject(s.downwardAPI)) each(s.downwardAPI.items, (i) => isObject(i.fieldRef) && (i.fieldRef.apiVersion ??= 'v1'));
    });
  }
  if (isObject(v.iscsi)) v.iscsi.iscsiInterface ??= 'default';
  if (isObject(v.rbd)) {
    v.rbd.pool ??= 'rbd';
    v.rbd.user ??= 'admin';
    v.rbd.keyring ??= '/etc/ceph/keyring';
  }
}

export function podSpec(spec: Json | undefined): void {
  if (!isObject(spec)) return;
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  if (spec.hostNetwork) {
    each(spec.containers, (c) => each(c.ports, (p) => (p.hostPort ??= p.containerPort)));
  }
  each(spec.containers, container);
  each(spec.initContainers, container);
  each(spec.ephemeralContainers, container);
  each(spec.volumes, volume);
}

function podTemplate(template: Json | undefined): void {
  if (isObject(template)) podSpec(template.spec);
}

function servicePorts(spec: Json): void {
  each(spec.ports, (p) => {
    p.protocol ??= 'TCP';
    if (spec.type !== 'ExternalName') p.targetPort ??= p.port;
  });
}

function webhookConfiguration(o: KubeObject, mutating: boolean): void {
  each(o.webhooks, (w) => {
    w.failurePolicy ??= 'Fail';
    w.matchPolicy ??= 'Equivalent';
    w.namespaceSelector ??= {};
    w.objectSelector ??= {};
    w.timeoutSeconds ??= 10;
    if (mutating) w.reinvocationPolicy ??= 'Never';
    if (isObject(w.clientConfig?.service)) w.clientConfig.service.port ??= 443;
    each(w.rules, (r) => (r.scope ??= '*'));
  });
}

/** Fills the defaults of `object` (of resource `info`) in place. */
export function applyDefaults(info: ResourceInfo, o: KubeObject): void {
  if (info.custom) return;
  const spec = o.spec as Json | undefined;
  switch (`${info.group}/${info.resource}`) {
    case '/pods':
      podSpec(spec);
      if (isObject(spec)) {
        spec.enableServiceLinks ??= true;
        spec.serviceAccountName ??= 'default';
        spec.serviceAccount ??= spec.serviceAccountName;
        spec.priority ??= 0;
        spec.preemptionPolicy ??= 'PreemptLowerPriority';
      }
      break;
    case '/podtemplates':
      podTemplate(o.template);
      break;
    case '/replicationcontrollers':
      if (isObject(spec)) {
        const labels = spec.template?.metadata?.labels;
        if (labels && (!spec.selector || Object.keys(spec.selector).length === 0)) spec.selector = { ...labels };
        if (labels && !o.metadata.labels) o.metadata.labels = { ...labels };
        spec.replicas ??= 1;
        spec.minReadySeconds ??= 0;
        podTemplate(spec.template);
      }
      break;
    case '/services':
      if (isObject(spec)) {
        spec.type ??= spec.externalName ? 'ExternalName' : 'ClusterIP';
        spec.sessionAffinity ??= 'None';
        if (spec.sessionAffinity === 'ClientIP') {
          spec.sessionAffinityConfig ??= {};
          spec.sessionAffinityConfig.clientIP ??= {};
          spec.sessionAffinityConfig.clientIP.timeoutSeconds ??= 10800;
        }
        if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.externalTrafficPolicy ??= 'Cluster';
        if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
        if (spec.type !== 'ExternalName') spec.internalTrafficPolicy ??= 'Cluster';
        servicePorts(spec);
      }
      break;
    case '/endpoints':
      each(o.subsets, (s) => each(s.ports, (p) => (p.protocol ??= 'TCP')));
      break;
    case '/persistentvolumes':
      if (isObject(spec)) {
        spec.persistentVolumeReclaimPolicy ??= 'Retain';
        spec.volumeMode ??= 'Filesystem';
        if (isObject(spec.hostPath)) spec.hostPath.type ??= '';
      }
      break;
    case '/persistentvolumeclaims':
      if (isObject(spec)) spec.volumeMode ??= 'Filesystem';
      break;
    case '/secrets':
      o.type ??= 'Opaque';
      break;
    case 'apps/deployments':
      if (isObject(spec)) {
        spec.replicas ??= 1;
        spec.strategy ??= {};
        spec.strategy.type ??= 'RollingUpdate';
        if (spec.strategy.type === 'RollingUpdate') {
          spec.strategy.rollingUpdate ??= {};
          spec.strategy.rollingUpdate.maxUnavailable ??= '25%';
          spec.strategy.rollingUpdate.maxSurge ??= '25%';
        }
        spec.revisionHistoryLimit ??= 10;
        spec.progressDeadlineSeconds ??= 600;
        podTemplate(spec.template);
      }
      break;
    case 'apps/replicasets':
      if (isObject(spec)) {
        spec.replicas ??= 1;
        podTemplate(spec.template);
      }
      break;
    case 'apps/statefulsets':
      if (isObject(spec)) {
        spec.replicas ??= 1;
        spec.podManagementPolicy ??= 'OrderedReady';
        spec.updateStrategy ??= {};
        spec.updateStrategy.type ??= 'RollingUpdate';
        if (spec.updateStrategy.type === 'RollingUpdate') {
          spec.updateStrategy.rollingUpdate ??= {};
          spec.updateStrategy.rollingUpdate.partition ??= 0;
        }
        spec.revisionHistoryLimit ??= 10;
        spec.persistentVolumeClaimRetentionPolicy ??= {};
        spec.persistentVolumeClaimRetentionPolicy.whenDeleted ??= 'Retain';
        spec.persistentVolumeClaimRetentionPolicy.whenScaled ??= 'Retain';
        each(spec.volumeClaimTemplates, (t) => {
          t.apiVersion ??= 'v1';
          t.kind ??= 'PersistentVolumeClaim';
          t.spec ??= {};
          t.spec.volumeMode ??= 'Filesystem';
          t.status ??= { phase: 'Pending' };
        });
        podTemplate(spec.template);
      }
      break;
    case 'apps/daemonsets':
      if (isObject(spec)) {
        spec.updateStrategy ??= {};
        spec.updateStrategy.type ??= 'RollingUpdate';
        if (spec.updateStrategy.type === 'RollingUpdate') {
          spec.updateStrategy.rollingUpdate ??= {};
          spec.updateStrategy.rollingUpdate.maxUnavailable ??= 1;
          spec.updateStrategy.rollingUpdate.maxSurge ??= 0;
        }
        spec.revisionHistoryLimit ??= 10;
        podTemplate(spec.template);
      }
      break;
    case 'batch/jobs':
      if (isObject(spec)) {
        if (spec.completions === undefined && spec.parallelism === undefined) spec.completions = 1;
        spec.parallelism ??= 1;
        spec.backoffLimit ??= 6;
        spec.completionMode ??= 'NonIndexed';
        spec.suspend ??= false;
        spec.podReplacementPolicy ??= spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
        podTemplate(spec.template);
      }
      break;
    case 'batch/cronjobs':
      if (isObject(spec)) {
        spec.concurrencyPolicy ??= 'Allow';
        spec.suspend ??= false;
        spec.successfulJobsHistoryLimit ??= 3;
        spec.failedJobsHistoryLimit ??= 1;
        if (isObject(spec.jobTemplate?.spec)) podTemplate(spec.jobTemplate.spec.template);
      }
      break;
    case 'networking.k8s.io/networkpolicies':
      if (isObject(spec)) {
        spec.policyTypes ??= ['Ingress', ...(Array.isArray(spec.egress) && spec.egress.length > 0 ? ['Egress'] : [])];
        each(spec.ingress, (r) => each(r.ports, (p) => (p.protocol ??= 'TCP')));
        each(spec.egress, (r) => each(r.ports, (p) => (p.protocol ??= 'TCP')));
      }
      break;
    case 'storage.k8s.io/storageclasses':
      o.reclaimPolicy ??= 'Delete';
      o.volumeBindingMode ??= 'Immediate';
      break;
    case 'scheduling.k8s.io/priorityclasses':
      o.preemptionPolicy ??= 'PreemptLowerPriority';
      break;
    case 'rbac.authorization.k8s.io/rolebindings':
    case 'rbac.authorization.k8s.io/clusterrolebindings':
      each(o.subjects, (s) => {
        if (s.apiGroup === undefined && (s.kind === 'User' || s.kind === 'Group')) s.apiGroup = 'rbac.authorization.k8s.io';
        if (s.apiGroup === undefined && s.kind === 'ServiceAccount') s.apiGroup = '';
      });
      break;
    case 'admissionregistration.k8s.io/validatingwebhookconfigurations':
      webhookConfiguration(o, false);
      break;
    case 'admissionregistration.k8s.io/mutatingwebhookconfigurations':
      webhookConfiguration(o, true);
      break;
    case 'apiextensions.k8s.io/customresourcedefinitions':
      if (isObject(spec)) {
        if (isObject(spec.names)) {
          spec.names.singular ??= String(spec.names.kind ?? '').toLowerCase();
          spec.names.listKind ??= `${spec.names.kind}List`;
        }
        spec.conversion ??= { strategy: 'None' };
        if (spec.conversion.strategy === 'Webhook' && isObject(spec.conversion.webhook?.clientConfig?.service)) {
          spec.conversion.webhook.clientConfig.service.port ??= 443;
        }
      }
      break;
    case 'autoscaling/horizontalpodautoscalers':
      if (isObject(spec)) {
        spec.minReplicas ??= 1;
        if (info.version === 'v2' && spec.metrics === undefined) {
          spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
        }
      }
      break;
    default:
      break;
  }
}
