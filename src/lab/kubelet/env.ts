/** A container's environment as the kubelet builds it: values, ConfigMap/Secret refs, the downward API, $(VAR) expansion. */
import type { ApiClient } from './api-client.ts';

type Lookup = (kind: 'configmaps' | 'secrets', namespace: string, name: string) => Promise<any | undefined>;

/** A reader of ConfigMaps and Secrets that asks the API server once per object per sync. */
export function objectLookup(api: ApiClient): Lookup {
  const seen = new Map<string, Promise<any | undefined>>();
  return (kind, namespace, name) => {
    const key = `${kind}/${namespace}/${name}`;
    let p = seen.get(key);
    if (!p) {
      p = api.tryGet(`/api/v1/namespaces/${encodeURIComponent(namespace)}/${kind}/${encodeURIComponent(name)}`);
      seen.set(key, p);
    }
    return p;
  };
}

/** The text value of a key of a ConfigMap (data/binaryData) or Secret (base64 data/stringData). */
export function keyValue(kind: 'configmaps' | 'secrets', object: any, key: string): string | undefined {
  if (kind === 'secrets') {
    const b64 = object?.data?.[key];
    return b64 === undefined ? object?.stringData?.[key] : Buffer.from(String(b64), 'base64').toString('utf8');
  }
  if (object?.data?.[key] !== undefined) return String(object.data[key]);
  const bin = object?.binaryData?.[key];
  return bin === undefined ? undefined : Buffer.from(String(bin), 'base64').toString('utf8');
}

/** The downward API's fieldRef paths. */
export function fieldValue(pod: any, fieldPath: string, hostIP: string): string {
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (m) return String(pod.metadata?.[m[1]]?.[m[2]] ?? '');
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata.name;
    case 'metadata.namespace':
      return pod.metadata.namespace;
    case 'metadata.uid':
      return pod.metadata.uid;
    case 'spec.nodeName':
      return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec.serviceAccountName ?? '';
    case 'status.hostIP':
    case 'status.podIP':
      return hostIP;
    case 'status.hostIPs':
    case 'status.podIPs':
      return hostIP;
    default:
      throw new Error(`unsupported fieldRef ${fieldPath}`);
  }
}

/** Kubernetes' $(VAR) expansion: $$ escapes, unknown references stay as written. */
export function expand(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (all, name: string | undefined) => {
    if (all === '$$') return '$';
    return name !== undefined && name in env ? env[name]! : all;
  });
}

/** The environment of `container` in `pod`; throws with the reason a real kubelet gives (CreateContainerConfigError). */
export async function containerEnv(pod: any, container: any, lookup: Lookup, hostIP: string): Promise<Record<string, string>> {
  const ns = pod.metadata.namespace;
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const kind = from.configMapRef ? 'configmaps' : 'secrets';
    const ref = from.configMapRef ?? from.secretRef;
    const object = await lookup(kind, ns, ref.name);
    if (!object) {
      if (ref.optional) continue;
      throw new Error(`${kind === 'configmaps' ? 'configmap' : 'secret'} "${ref.name}" not found`);
    }
    for (const key of Object.keys({ ...(object.data ?? {}), ...(object.binaryData ?? {}) })) env[(from.prefix ?? '') + key] = keyValue(kind, object, key) ?? '';
  }
  for (const e of container.env ?? []) {
    if (e.valueFrom === undefined) {
      env[e.name] = expand(String(e.value ?? ''), env);
      continue;
    }
    const vf = e.valueFrom;
    if (vf.fieldRef) env[e.name] = fieldValue(pod, vf.fieldRef.fieldPath, hostIP);
    else if (vf.resourceFieldRef) env[e.name] = String(container.resources?.limits?.[vf.resourceFieldRef.resource.replace(/^limits\./, '')] ?? '0');
    else {
      const kind = vf.configMapKeyRef ? 'configmaps' : 'secrets';
      const ref = vf.configMapKeyRef ?? vf.secretKeyRef;
      const object = await lookup(kind, ns, ref.name);
      const value = object ? keyValue(kind, object, ref.key) : undefined;
      if (value === undefined) {
        if (ref.optional) continue;
        throw new Error(object ? `couldn't find key ${ref.key} in ${kind === 'configmaps' ? 'ConfigMap' : 'Secret'} ${ns}/${ref.name}` : `${kind === 'configmaps' ? 'configmap' : 'secret'} "${ref.name}" not found`);
      }
      env[e.name] = value;
    }
  }
  return env;
}
