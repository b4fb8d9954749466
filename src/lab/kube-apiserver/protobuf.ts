/**
 * Request bodies in Kubernetes protobuf (`application/vnd.kubernetes.protobuf`), which kubectl's
 * typed generators send (`kubectl create configmap|secret|namespace|serviceaccount|deployment|
 * job|cronjob|role|...`). The wire format: the magic `k8s\0`, then a runtime.Unknown message
 * (typeMeta, raw) whose `raw` is the object's message as in k8s.io/api's generated.proto.
 *
 * Each message below lists its fields as in the 1.32 .proto files: number, JSON name, type.
 * A `*` marks Go pointer fields and `!` fields without `omitempty`: those keep a zero value; the
 * rest drop it, as the JSON encoding of the same Go object would. A field this table does not
 * know is refused (415), never dropped.
 */
import { errors } from './errors.ts';

type Field = { name: string; type: string; repeated: boolean; keep: boolean; map?: [string, string] };

const M: Record<string, string> = {
  Unknown: '1 typeMeta TypeMeta, 2 raw bytes, 3 contentEncoding string, 4 contentType string',
  TypeMeta: '1 apiVersion string, 2 kind string',
  ObjectMeta:
    '1 name string, 2 generateName string, 3 namespace string, 4 selfLink string, 5 uid string, 6 resourceVersion string, 7 generation int64, ' +
    '8 creationTimestamp Time, 9 deletionTimestamp Time, 10 deletionGracePeriodSeconds *int64, 11 labels map<string,string>, ' +
    '12 annotations map<string,string>, 13 ownerReferences []OwnerReference, 14 finalizers []string, 17 managedFields []ManagedFieldsEntry',
  OwnerReference: '5 apiVersion !string, 1 kind !string, 3 name !string, 4 uid !string, 6 controller *bool, 7 blockOwnerDeletion *bool',
  ManagedFieldsEntry: '1 manager string, 2 operation string, 3 apiVersion string, 4 time Time, 6 fieldsType string, 7 fieldsV1 FieldsV1, 8 subresource string',
  FieldsV1: '1 raw bytes',
  DeleteOptions: '1 gracePeriodSeconds *int64, 2 preconditions Preconditions, 3 orphanDependents *bool, 4 propagationPolicy *string, 5 dryRun []string',
  Preconditions: '1 uid *string, 2 resourceVersion *string',
  LabelSelector: '1 matchLabels map<string,string>, 2 matchExpressions []LabelSelectorRequirement',
  LabelSelectorRequirement: '1 key !string, 2 operator !string, 3 values []string',
  // core/v1
  ConfigMap: '1 metadata ObjectMeta, 4 immutable *bool, 2 data map<string,string>, 3 binaryData map<string,bytes>',
  Secret: '1 metadata ObjectMeta, 5 immutable *bool, 2 data map<string,bytes>, 4 stringData map<string,string>, 3 type string',
  Namespace: '1 metadata ObjectMeta, 2 spec NamespaceSpec, 3 status NamespaceStatus',
  NamespaceSpec: '1 finalizers []string',
  NamespaceStatus: '1 phase string',
  ServiceAccount: '1 metadata ObjectMeta, 2 secrets []ObjectReference, 3 imagePullSecrets []LocalObjectReference, 4 automountServiceAccountToken *bool',
  ObjectReference: '1 kind string, 2 namespace string, 3 name string, 4 uid string, 5 apiVersion string, 6 resourceVersion string, 7 fieldPath string',
  LocalObjectReference: '1 name string',
  ResourceQuota: '1 metadata ObjectMeta, 2 spec ResourceQuotaSpec, 3 status ResourceQuotaStatus',
  ResourceQuotaSpec: '1 hard map<string,Quantity>, 2 scopes []string',
  ResourceQuotaStatus: '1 hard map<string,Quantity>, 2 used map<string,Quantity>',
  Service: '1 metadata ObjectMeta, 2 spec ServiceSpec, 3 status ServiceStatus',
  ServiceSpec:
    '1 ports []ServicePort, 2 selector map<string,string>, 3 clusterIP string, 18 clusterIPs []string, 4 type string, 5 externalIPs []string, ' +
    '7 sessionAffinity string, 8 loadBalancerIP string, 9 loadBalancerSourceRanges []string, 10 externalName string, 11 externalTrafficPolicy string, ' +
    '12 healthCheckNodePort int32, 13 publishNotReadyAddresses bool, 19 ipFamilies []string, 17 ipFamilyPolicy *string, ' +
    '20 allocateLoadBalancerNodePorts *bool, 21 loadBalancerClass *string, 22 internalTrafficPolicy *string, 23 trafficDistribution *string',
  ServicePort: '1 name string, 2 protocol string, 6 appProtocol *string, 3 port !int32, 4 targetPort IntOrString, 5 nodePort int32',
  ServiceStatus: '1 loadBalancer LoadBalancerStatus',
  LoadBalancerStatus: '',
  PodTemplateSpec: '1 metadata ObjectMeta, 2 spec PodSpec',
  PodSpec:
    '2 containers []Container, 20 initContainers []Container, 3 restartPolicy string, 4 terminationGracePeriodSeconds *int64, ' +
    '5 activeDeadlineSeconds *int64, 6 dnsPolicy string, 7 nodeSelector map<string,string>, 8 serviceAccountName string, 9 serviceAccount string, ' +
    '21 automountServiceAccountToken *bool, 10 nodeName string, 11 hostNetwork bool, 12 hostPID bool, 13 hostIPC bool, 14 securityContext PodSecurityContext, ' +
    '15 imagePullSecrets []LocalObjectReference, 16 hostname string, 17 subdomain string, 19 schedulerName string, 24 priorityClassName string, ' +
    '25 priority *int32, 29 runtimeClassName *string, 30 enableServiceLinks *bool, 31 preemptionPolicy *string',
  PodSecurityContext: '2 runAsUser *int64, 6 runAsGroup *int64, 3 runAsNonRoot *bool, 4 supplementalGroups []int64, 5 fsGroup *int64',
  Container:
    '1 name !string, 2 image string, 3 command []string, 4 args []string, 5 workingDir string, 6 ports []ContainerPort, 7 env []EnvVar, ' +
    '8 resources ResourceRequirements, 24 restartPolicy *string, 9 volumeMounts []VolumeMount, 13 terminationMessagePath string, ' +
    '20 terminationMessagePolicy string, 14 imagePullPolicy string, 16 stdin bool, 17 stdinOnce bool, 18 tty bool',
  ContainerPort: '1 name string, 2 hostPort int32, 3 containerPort !int32, 4 protocol string, 5 hostIP string',
  EnvVar: '1 name !string, 2 value string',
  ResourceRequirements: '1 limits map<string,Quantity>, 2 requests map<string,Quantity>',
  VolumeMount: '1 name !string, 2 readOnly bool, 3 mountPath !string, 4 subPath string, 5 mountPropagation *string, 6 subPathExpr string',
  // apps/v1, batch/v1
  Deployment: '1 metadata ObjectMeta, 2 spec DeploymentSpec, 3 status DeploymentStatus',
  DeploymentSpec:
    '1 replicas *int32, 2 selector LabelSelector, 3 template PodTemplateSpec, 4 strategy DeploymentStrategy, 5 minReadySeconds int32, ' +
    '6 revisionHistoryLimit *int32, 7 paused bool, 9 progressDeadlineSeconds *int32',
  DeploymentStrategy: '1 type string, 2 rollingUpdate RollingUpdateDeployment',
  RollingUpdateDeployment: '1 maxUnavailable IntOrString, 2 maxSurge IntOrString',
  DeploymentStatus: '1 observedGeneration int64, 2 replicas int32, 3 updatedReplicas int32, 7 readyReplicas int32, 4 availableReplicas int32, 5 unavailableReplicas int32, 8 collisionCount *int32',
  Job: '1 metadata ObjectMeta, 2 spec JobSpec, 3 status JobStatus',
  JobSpec:
    '1 parallelism *int32, 2 completions *int32, 3 activeDeadlineSeconds *int64, 7 backoffLimit *int32, 12 backoffLimitPerIndex *int32, ' +
    '13 maxFailedIndexes *int32, 4 selector LabelSelector, 5 manualSelector *bool, 6 template !PodTemplateSpec, 8 ttlSecondsAfterFinished *int32, ' +
    '9 completionMode *string, 10 suspend *bool, 14 podReplacementPolicy *string, 15 managedBy *string',
  JobStatus: '2 startTime Time, 3 completionTime Time, 4 active int32, 5 succeeded int32, 6 failed int32, 11 terminating *int32, 7 completedIndexes string, 10 failedIndexes *string, 9 ready *int32',
  JobTemplateSpec: '1 metadata ObjectMeta, 2 spec JobSpec',
  CronJob: '1 metadata ObjectMeta, 2 spec CronJobSpec, 3 status CronJobStatus',
  CronJobSpec:
    '1 schedule !string, 8 timeZone *string, 2 startingDeadlineSeconds *int64, 3 concurrencyPolicy string, 4 suspend *bool, ' +
    '5 jobTemplate !JobTemplateSpec, 6 successfulJobsHistoryLimit *int32, 7 failedJobsHistoryLimit *int32',
  CronJobStatus: '4 lastScheduleTime Time, 5 lastSuccessfulTime Time',
  // rbac, scheduling, policy
  Role: '1 metadata ObjectMeta, 2 rules !PolicyRule[]',
  ClusterRole: '1 metadata ObjectMeta, 2 rules !PolicyRule[], 3 aggregationRule AggregationRule',
  AggregationRule: '1 clusterRoleSelectors []LabelSelector',
  PolicyRule: '1 verbs ![]string, 2 apiGroups []string, 3 resources []string, 4 resourceNames []string, 5 nonResourceURLs []string',
  RoleBinding: '1 metadata ObjectMeta, 2 subjects []Subject, 3 roleRef !RoleRef',
  ClusterRoleBinding: '1 metadata ObjectMeta, 2 subjects []Subject, 3 roleRef !RoleRef',
  RoleRef: '1 apiGroup !string, 2 kind !string, 3 name !string',
  Subject: '1 kind !string, 2 apiGroup string, 3 name !string, 4 namespace string',
  PriorityClass: '1 metadata ObjectMeta, 2 value !int32, 3 globalDefault bool, 4 description string, 5 preemptionPolicy *string',
  PodDisruptionBudget: '1 metadata ObjectMeta, 2 spec PodDisruptionBudgetSpec, 3 status PodDisruptionBudgetStatus',
  PodDisruptionBudgetSpec: '1 minAvailable IntOrString, 2 selector LabelSelector, 3 maxUnavailable IntOrString, 4 unhealthyPodEvictionPolicy *string',
  PodDisruptionBudgetStatus: '1 observedGeneration int64, 3 disruptionsAllowed !int32, 4 currentHealthy !int32, 5 desiredHealthy !int32, 6 expectedPods !int32',
};

const SCALARS = new Set(['string', 'bytes', 'bool', 'int32', 'int64', 'Time', 'IntOrString', 'Quantity']);

const schemas = new Map<string, Map<number, Field>>();
for (const [message, spec] of Object.entries(M)) {
  const fields = new Map<number, Field>();
  for (const part of spec.split(/,\s*(?=\d)/).map((p) => p.trim()).filter(Boolean)) {
    const [no, name, rawType] = part.split(/\s+/);
    let type = rawType.replace(/^[*!]/, '');
    const keep = /^[*!]/.test(rawType);
    const repeated = type.startsWith('[]') || type.endsWith('[]');
    type = type.replace(/^\[\]|\[\]$/g, '');
    const map = /^map<(\w+),(\w+)>$/.exec(type);
    fields.set(Number(no), { name, type: map ? 'map' : type, repeated, keep, map: map ? [map[1], map[2]] : undefined });
  }
  schemas.set(message, fields);
}

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) throw new Error('truncated varint');
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  }
  bytes(): Buffer {
    const len = Number(this.varint());
    if (this.pos + len > this.buf.length) throw new Error('truncated field');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 2) this.bytes();
    else if (wire === 1) this.pos += 8;
    else if (wire === 5) this.pos += 4;
    else throw new Error(`wire type ${wire}`);
  }
}

const signed64 = (v: bigint) => Number(BigInt.asIntN(64, v));
const signed32 = (v: bigint) => Number(BigInt.asIntN(32, v));

function decodeScalar(type: string, wire: number, r: Reader, where: string): unknown {
  switch (type) {
    case 'string':
      return r.bytes().toString('utf8');
    case 'bytes':
      return r.bytes().toString('base64');
    case 'bool':
      return r.varint() !== 0n;
    case 'int32':
      return signed32(r.varint());
    case 'int64':
      return signed64(r.varint());
    case 'Time': {
      const m = new Reader(r.bytes());
      let seconds = 0;
      while (!m.done()) {
        const tag = Number(m.varint());
        if (tag >> 3 === 1) seconds = signed64(m.varint());
        else m.skip(tag & 7);
      }
      return seconds === 0 ? undefined : new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    }
    case 'Quantity': {
      const m = new Reader(r.bytes());
      let s = '';
      while (!m.done()) {
        const tag = Number(m.varint());
        if (tag >> 3 === 1) s = m.bytes().toString('utf8');
        else m.skip(tag & 7);
      }
      return s;
    }
    case 'IntOrString': {
      const m = new Reader(r.bytes());
      let kind = 0;
      let int = 0;
      let str = '';
      while (!m.done()) {
        const tag = Number(m.varint());
        const no = tag >> 3;
        if (no === 1) kind = Number(m.varint());
        else if (no === 2) int = signed32(m.varint());
        else if (no === 3) str = m.bytes().toString('utf8');
        else m.skip(tag & 7);
      }
      return kind === 1 ? str : int;
    }
    default:
      void wire;
      throw new Error(`no decoder for ${type} at ${where}`);
  }
}

const isZero = (v: unknown) => v === undefined || v === '' || v === 0 || v === false;

function decodeMessage(message: string, buf: Buffer, where: string): Record<string, unknown> {
  const fields = schemas.get(message);
  if (!fields) throw unsupported(`${where} (${message})`);
  const out: Record<string, unknown> = {};
  const r = new Reader(buf);
  while (!r.done()) {
    const tag = Number(r.varint());
    const no = tag >> 3;
    const wire = tag & 7;
    const f = fields.get(no);
    if (!f) throw unsupported(`field ${no} of ${message} at ${where}`);
    const path = `${where}.${f.name}`;
    if (f.type === 'map') {
      const entry = new Reader(r.bytes());
      let key = '';
      let value: unknown = f.map![1] === 'string' || f.map![1] === 'bytes' ? '' : undefined;
      while (!entry.done()) {
        const t = Number(entry.varint());
        if (t >> 3 === 1) key = entry.bytes().toString('utf8');
        else if (t >> 3 === 2) value = SCALARS.has(f.map![1]) ? decodeScalar(f.map![1], t & 7, entry, path) : decodeMessage(f.map![1], entry.bytes(), path);
        else entry.skip(t & 7);
      }
      const m = (out[f.name] ??= {}) as Record<string, unknown>;
      m[key] = value;
      continue;
    }
    const decodeOne = (): unknown => (SCALARS.has(f.type) ? decodeScalar(f.type, wire, r, path) : decodeMessage(f.type, r.bytes(), path));
    if (f.repeated) {
      const list = (out[f.name] ??= []) as unknown[];
      if (wire === 2 && (f.type === 'int32' || f.type === 'int64' || f.type === 'bool')) {
        const packed = new Reader(r.bytes());
        while (!packed.done()) list.push(decodeScalar(f.type, 0, packed, path));
      } else list.push(decodeOne());
      continue;
    }
    const value = decodeOne();
    if (value === undefined || (!f.keep && isZero(value))) continue;
    out[f.name] = value;
  }
  return out;
}

function unsupported(what: string) {
  return errors.unsupportedMediaType(
    `the lab API server cannot decode ${what} from application/vnd.kubernetes.protobuf; send the object as application/json (kubectl apply or create -f do)`,
  );
}

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** Decodes a Kubernetes protobuf request body into the object's JSON form. */
export function decodeProtobuf(raw: Buffer, expectedKind: string): Record<string, unknown> {
  if (raw.length < 4 || !raw.subarray(0, 4).equals(MAGIC)) {
    throw errors.badRequest('provided protobuf data does not start with the Kubernetes prefix k8s\\x00');
  }
  let unknown: Record<string, any>;
  try {
    unknown = decodeMessage('Unknown', raw.subarray(4), 'body');
  } catch (e) {
    if ((e as { code?: number }).code) throw e;
    throw errors.badRequest(`the object provided is unrecognized (must be of type ${expectedKind}): ${(e as Error).message}`);
  }
  const kind = unknown.typeMeta?.kind ?? expectedKind;
  const apiVersion = unknown.typeMeta?.apiVersion;
  if (!schemas.has(kind)) throw unsupported(`kind ${kind}`);
  try {
    const object = decodeMessage(kind, Buffer.from(String(unknown.raw ?? ''), 'base64'), kind);
    return { ...(apiVersion ? { apiVersion } : {}), kind, ...object };
  } catch (e) {
    if ((e as { code?: number }).code) throw e;
    throw errors.badRequest(`the object provided is unrecognized (must be of type ${expectedKind}): ${(e as Error).message}`);
  }
}
