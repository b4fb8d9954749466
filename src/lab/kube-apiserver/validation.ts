/**
 * The checks kube-apiserver makes on every write that a lenient server would let through, with
 * its messages: byte fields that are not base64, the 256 KiB annotation limit, label syntax,
 * workload selectors that do not select their template, and the fields that may not change
 * after creation (selectors, Job templates, StatefulSet specs, PVC specs, Service cluster IPs,
 * immutable Secrets and ConfigMaps).
 */
import { ApiError, errors } from './errors.ts';
import type { ResourceInfo } from './registry.ts';
import type { KubeObject } from './storage.ts';

type Json = Record<string, any>;
type Cause = { field: string; message: string; reason?: string };

const same = (a: unknown, b: unknown) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, canonical(x)]));
}

/**
 * Where Go's base64.StdEncoding (what decoding JSON into []byte uses) rejects `s`, as the byte
 * offset it reports; -1 when it decodes.
 */
export function base64ErrorAt(s: string): number {
  const valid = (c: string) => /[A-Za-z0-9+/]/.test(c);
  const newline = (c: string) => c === '\n' || c === '\r';
  let si = 0;
  while (si < s.length) {
    for (let j = 0; j < 4; j++) {
      if (si === s.length) {
        if (j === 0) return -1;
        return si - j;
      }
      const c = s[si++];
      if (valid(c)) continue;
      if (newline(c)) {
        j--;
        continue;
      }
      if (c !== '=') return si - 1;
      if (j === 0 || j === 1) return si - 1;
      if (j === 2) {
        while (si < s.length && newline(s[si])) si++;
        if (si === s.length) return s.length;
        if (s[si] !== '=') return si - 1;
        si++;
      }
      while (si < s.length && newline(s[si])) si++;
      return si < s.length ? si : -1;
    }
  }
  return -1;
}

/** Byte fields ([]byte in Go, base64 in JSON) of the kinds that have them. */
function byteFields(info: ResourceInfo, o: Json): string[] {
  const out: string[] = [];
  const mapValues = (m: unknown) => (m && typeof m === 'object' ? Object.values(m as Json) : []);
  if (info.group === '' && info.resource === 'secrets') out.push(...mapValues(o.data));
  if (info.group === '' && info.resource === 'configmaps') out.push(...mapValues(o.binaryData));
  if (info.group === 'admissionregistration.k8s.io') for (const w of o.webhooks ?? []) if (w?.clientConfig?.caBundle !== undefined) out.push(w.clientConfig.caBundle);
  if (info.group === 'apiregistration.k8s.io' && o.spec?.caBundle !== undefined) out.push(o.spec.caBundle);
  if (info.group === 'apiextensions.k8s.io' && o.spec?.conversion?.webhook?.clientConfig?.caBundle !== undefined) out.push(o.spec.conversion.webhook.clientConfig.caBundle);
  if (info.group === 'certificates.k8s.io' && o.spec?.request !== undefined) out.push(o.spec.request);
  return out;
}

/** A body that a real server could not even decode: 400, as its JSON decoder answers. */
export function checkDecodable(info: ResourceInfo, o: Json): void {
  if (info.custom) return;
  for (const v of byteFields(info, o)) {
    if (typeof v !== 'string') {
      throw errors.badRequest(`${info.kind} in version "${info.version}" cannot be handled as a ${info.kind}: json: cannot unmarshal ${typeof v} into Go value of type []uint8`);
    }
    const at = base64ErrorAt(v);
    if (at >= 0) throw errors.badRequest(`${info.kind} in version "${info.version}" cannot be handled as a ${info.kind}: illegal base64 data at input byte ${at}`);
  }
}

const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function keyProblems(key: string, field: string): Cause[] {
  const slash = key.lastIndexOf('/');
  const [prefix, name] = slash >= 0 ? [key.slice(0, slash), key.slice(slash + 1)] : ['', key];
  const out: Cause[] = [];
  if (slash >= 0 && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    out.push({ field, message: `Invalid value: "${key}": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')` });
  }
  if (name.length === 0) out.push({ field, message: `Invalid value: "${key}": name part must be non-empty`, reason: 'FieldValueInvalid' });
  else if (name.length > 63) out.push({ field, message: `Invalid value: "${key}": name part must be no more than 63 characters` });
  else if (!QUALIFIED_NAME.test(name)) {
    out.push({ field, message: `Invalid value: "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')` });
  }
  return out;
}

function metadataProblems(o: Json): Cause[] {
  const causes: Cause[] = [];
  const annotations = o.metadata?.annotations ?? {};
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) {
    causes.push(...keyProblems(k, 'metadata.annotations'));
    size += Buffer.byteLength(k) + Buffer.byteLength(String(v ?? ''));
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) {
    causes.push({ field: 'metadata.annotations', message: `Too long: may not be more than ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes`, reason: 'FieldValueTooLong' });
  }
  for (const [k, v] of Object.entries(o.metadata?.labels ?? {})) {
    causes.push(...keyProblems(k, 'metadata.labels'));
    const value = String(v ?? '');
    if (value.length > 63) causes.push({ field: 'metadata.labels', message: `Invalid value: "${value}": must be no more than 63 characters` });
    else if (!LABEL_VALUE.test(value)) {
      causes.push({ field: 'metadata.labels', message: `Invalid value: "${value}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')` });
    }
  }
  return causes;
}

const goString = (s: unknown) => JSON.stringify(String(s));
function goStringMap(m: Json | undefined): string {
  if (!m) return 'map[string]string(nil)';
  return `map[string]string{${Object.keys(m).sort().map((k) => `${goString(k)}:${goString(m[k])}`).join(', ')}}`;
}
/** A LabelSelector as Go's %#v prints it in "Invalid value" messages. */
export function goLabelSelector(sel: Json | undefined): string {
  const exprs = sel?.matchExpressions?.length
    ? `[]v1.LabelSelectorRequirement{${sel.matchExpressions.map((e: Json) => `v1.LabelSelectorRequirement{Key:${goString(e.key)}, Operator:${goString(e.operator)}, Values:${e.values ? `[]string{${e.values.map(goString).join(', ')}}` : '[]string(nil)'}}`).join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:${goStringMap(sel?.matchLabels)}, MatchExpressions:${exprs}}`;
}

export function selectorMatches(sel: Json | undefined, labels: Json | undefined): boolean {
  const l = labels ?? {};
  for (const [k, v] of Object.entries(sel?.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of sel?.matchExpressions ?? []) {
    const has = Object.hasOwn(l, e.key);
    const values: string[] = e.values ?? [];
    if (e.operator === 'In' && !(has && values.includes(l[e.key]))) return false;
    if (e.operator === 'NotIn' && has && values.includes(l[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

const WORKLOADS = new Set(['apps/deployments', 'apps/replicasets', 'apps/daemonsets', 'apps/statefulsets']);

function specProblems(key: string, o: Json): Cause[] {
  const causes: Cause[] = [];
  const spec = o.spec ?? {};
  if (WORKLOADS.has(key)) {
    const sel = spec.selector;
    if (!sel) causes.push({ field: 'spec.selector', message: 'Required value', reason: 'FieldValueRequired' });
    else if (!Object.keys(sel.matchLabels ?? {}).length && !(sel.matchExpressions ?? []).length) {
      causes.push({ field: 'spec.selector', message: `Invalid value: ${goLabelSelector(sel)}: empty selector is invalid for ${key.slice(5, -1)}` });
    } else if (!selectorMatches(sel, spec.template?.metadata?.labels)) {
      causes.push({ field: 'spec.template.metadata.labels', message: `Invalid value: ${goStringMap(spec.template?.metadata?.labels)}: \`selector\` does not match template \`labels\`` });
    }
  }
  if (key === '/replicationcontrollers' && spec.selector && spec.template && !selectorMatches({ matchLabels: spec.selector }, spec.template.metadata?.labels)) {
    causes.push({ field: 'spec.template.metadata.labels', message: `Invalid value: ${goStringMap(spec.template.metadata?.labels)}: \`selector\` does not match template \`labels\`` });
  }
  return causes;
}

/** Checks a new or changed object; throws 422 Invalid listing every problem. */
export function validateObject(info: ResourceInfo, o: KubeObject): void {
  const key = `${info.group}/${info.resource}`;
  const causes = [...metadataProblems(o), ...(info.custom ? [] : specProblems(key, o))];
  if (causes.length) throw errors.invalid(info.kind, info.group, o.metadata?.name ?? '', causes);
}

const IMMUTABLE_WHEN_SET = 'Forbidden: field is immutable when `immutable` is set';

/** Fields that may not change after creation; throws 422 Invalid. */
export function validateUpdate(info: ResourceInfo, old: KubeObject, next: KubeObject): void {
  if (info.custom) return;
  const key = `${info.group}/${info.resource}`;
  const causes: Cause[] = [];
  const a = old.spec ?? {};
  const b = next.spec ?? {};
  const immutable = (field: string, x: unknown, y: unknown, shown: string) => {
    if (!same(x, y)) causes.push({ field, message: `Invalid value: ${shown}: field is immutable` });
  };
  switch (key) {
    case 'apps/deployments':
    case 'apps/replicasets':
    case 'apps/daemonsets':
      immutable('spec.selector', a.selector, b.selector, goLabelSelector(b.selector));
      break;
    case 'apps/statefulsets': {
      const rest = (s: Json) => {
        const { replicas: _r, ordinals: _o, template: _t, updateStrategy: _u, persistentVolumeClaimRetentionPolicy: _p, minReadySeconds: _m, ...others } = s;
        return others;
      };
      if (!same(rest(a), rest(b))) {
        causes.push({
          field: 'spec',
          message: "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
          reason: 'FieldValueForbidden',
        });
      }
      break;
    }
    case 'batch/jobs':
      immutable('spec.selector', a.selector, b.selector, goLabelSelector(b.selector));
      if (!same(a.template, b.template)) causes.push({ field: 'spec.template', message: 'Invalid value: core.PodTemplateSpec{...}: field is immutable' });
      if (a.completionMode !== 'Indexed' || a.completions === undefined) immutable('spec.completions', a.completions, b.completions, String(b.completions ?? 'null'));
      break;
    case '/persistentvolumeclaims': {
      const rest = (s: Json, old?: Json) => {
        const { resources, volumeAttributesClassName: _v, ...others } = s;
        const out: Json = { ...others, resources: { ...(resources ?? {}), requests: undefined } };
        // A claim's volume (binding) and class (the beta annotation's migration) may be set once.
        if (old && !old.volumeName) delete out.volumeName;
        if (old && old.storageClassName === undefined) delete out.storageClassName;
        return out;
      };
      if (!same(rest(a, a), rest(b, a))) {
        causes.push({ field: 'spec', message: 'Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims', reason: 'FieldValueForbidden' });
      }
      break;
    }
    case '/services':
      if (a.clusterIP && a.clusterIP !== 'None' && b.type !== 'ExternalName' && b.clusterIP !== undefined && b.clusterIP !== a.clusterIP) {
        causes.push({ field: 'spec.clusterIPs[0]', message: `Invalid value: []string{${goString(b.clusterIP)}}: may not change once set` });
      } else if (a.clusterIP === 'None' && b.clusterIP !== undefined && b.clusterIP !== 'None') {
        causes.push({ field: 'spec.clusterIPs[0]', message: `Invalid value: []string{${goString(b.clusterIP)}}: may not change once set` });
      }
      break;
    case '/secrets':
    case '/configmaps':
      if (old.immutable === true) {
        if (!same(old.data, next.data)) causes.push({ field: 'data', message: IMMUTABLE_WHEN_SET, reason: 'FieldValueForbidden' });
        if (key === '/configmaps' && !same(old.binaryData, next.binaryData)) causes.push({ field: 'binaryData', message: IMMUTABLE_WHEN_SET, reason: 'FieldValueForbidden' });
        if (next.immutable !== true) causes.push({ field: 'immutable', message: IMMUTABLE_WHEN_SET, reason: 'FieldValueForbidden' });
      }
      if (key === '/secrets' && (old.type ?? 'Opaque') !== (next.type ?? 'Opaque')) causes.push({ field: 'type', message: `Invalid value: ${goString(next.type)}: field is immutable` });
      break;
    default:
      break;
  }
  if (causes.length) throw errors.invalid(info.kind, info.group, old.metadata?.name ?? '', causes);
}

export function isInvalid(e: unknown): e is ApiError {
  return e instanceof ApiError && e.code === 422;
}
