// Planning the Kubernetes objects: which objects of the snapshot are in scope (with the
// namespaces, volumes, classes and CRDs they need), each one cleaned and mapped, looked up in the
// target, and given a verb and a reason, in apply order.
import type { KubeClient, KubeObject } from '../kube/client.ts';
import { KubeApiError } from '../kube/client.ts';
import { collectionPath, discoverResources } from '../kube/discovery.ts';
import { cleanObject, resourceNameOf, skipReason, type CleanupContext } from './cleanup.ts';
import { decideExisting } from './existing.ts';
import { mapNamespace, podSpecsOf } from './mappings.ts';
import { phaseOf } from './order.ts';
import { parseSelector } from '../kube/selector.ts';
import { kindMatches, type SnapshotObject } from './snapshot-objects.ts';
import type { ExistingPolicy, ObjectAction, ObjectRef, RestoreScope } from './types.ts';

/** The API path of one object. */
export function objectPath(ref: ObjectRef, namespace: string | undefined, name: string): string {
  return `${collectionPath({ group: ref.group, groupVersion: ref.apiVersion, resource: ref.resource }, ref.namespaced ? namespace : undefined)}/${encodeURIComponent(name)}`;
}

export function describeObject(ref: ObjectRef, namespace: string | undefined, name: string): string {
  return `${ref.kind} ${ref.namespaced && namespace ? `${namespace}/` : ''}${name}`;
}

/** The object in the target, or undefined when it is not there (or its resource is not served yet). */
export async function getLive(client: KubeClient, ref: ObjectRef, namespace: string | undefined, name: string, signal?: AbortSignal): Promise<KubeObject | undefined> {
  try {
    return await client.request<KubeObject>('GET', objectPath(ref, namespace, name), undefined, { signal });
  } catch (e) {
    if (e instanceof KubeApiError && e.status === 404) return undefined;
    throw e;
  }
}

/** The snapshot objects a scope selects, with why each came (asked for, or needed by one that was). */
export function selectObjects(objects: SnapshotObject[], scope: RestoreScope): { selected: SnapshotObject[]; neededBy: Map<SnapshotObject, string> } {
  const namespaces = scope.namespaces?.length ? new Set(scope.namespaces) : undefined;
  const matchLabels = scope.labelSelector ? parseSelector(scope.labelSelector) : undefined;
  const asked = (o: SnapshotObject) =>
    (!scope.kinds?.length || kindMatches(o.ref, scope.kinds)) &&
    (!scope.names?.length || scope.names.includes(o.object.metadata.name)) &&
    (!matchLabels || matchLabels(o.object.metadata.labels));
  const selected = new Set<SnapshotObject>();
  // Namespaced objects of the namespaces in scope; cluster-scoped ones only when no namespace is named.
  for (const o of objects) {
    if (o.ref.namespaced ? !namespaces || namespaces.has(o.object.metadata.namespace ?? '') : !namespaces) {
      if (asked(o)) selected.add(o);
    }
  }
  const neededBy = new Map<SnapshotObject, string>();
  const need = (o: SnapshotObject | undefined, why: string) => {
    if (o && !selected.has(o)) {
      selected.add(o);
      neededBy.set(o, why);
    }
  };
  const byName = (resource: string, name: string | undefined) => objects.find((o) => resourceNameOf(o.ref) === resource && o.object.metadata.name === name);
  for (const o of [...selected]) {
    const ns = o.object.metadata.namespace;
    const what = `${o.ref.kind} ${ns ? `${ns}/` : ''}${o.object.metadata.name}`;
    if (o.ref.namespaced && ns) need(byName('namespaces', ns), `the namespace of ${what}`);
    const spec = o.object.spec as Record<string, any> | undefined;
    const res = resourceNameOf(o.ref);
    if (res === 'persistentvolumeclaims') {
      need(objects.find((p) => resourceNameOf(p.ref) === 'persistentvolumes' && (p.object.spec as any)?.claimRef?.namespace === ns && (p.object.spec as any)?.claimRef?.name === o.object.metadata.name), `the volume of ${what}`);
    }
    if (res === 'persistentvolumeclaims' || res === 'persistentvolumes') need(byName('storageclasses.storage.k8s.io', spec?.storageClassName), `the storage class of ${what}`);
    if (o.ref.group && !['apps', 'batch', 'rbac.authorization.k8s.io', 'networking.k8s.io', 'policy', 'autoscaling', 'storage.k8s.io', 'apiextensions.k8s.io'].includes(o.ref.group)) {
      need(
        objects.find((c) => resourceNameOf(c.ref) === 'customresourcedefinitions.apiextensions.k8s.io' && (c.object.spec as any)?.group === o.ref.group && (c.object.spec as any)?.names?.plural === o.ref.resource),
        `the definition of ${what}`,
      );
    }
  }
  return { selected: [...selected], neededBy };
}

export interface ObjectPlanInput {
  objects: SnapshotObject[];
  scope: RestoreScope;
  client?: KubeClient;
  policy: ExistingPolicy;
  cleanup: CleanupContext;
  signal?: AbortSignal;
  warnings: string[];
}

async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

/** One action per selected object, in apply order (phase, then namespace and name). */
export async function planObjects(input: ObjectPlanInput): Promise<ObjectAction[]> {
  const { selected, neededBy } = selectObjects(input.objects, input.scope);
  const { client } = input;
  // Static volumes that come back with this restore: their claims stay bound to them.
  const restoredVolumes = new Set(
    selected.filter((o) => resourceNameOf(o.ref) === 'persistentvolumes' && !skipReason(o.ref, o.object)).map((o) => o.object.metadata.name),
  );
  const cleanup: CleanupContext = { ...input.cleanup, restoredVolumes };
  let served: Set<string> | undefined;
  if (client && selected.length) {
    const resources = await discoverResources(client, { allVersions: true, signal: input.signal });
    served = new Set(resources.map((r) => `${r.groupVersion}/${r.resource}`));
  }
  // Resources the restored CRDs will serve.
  const fromCrds = new Set(
    selected
      .filter((o) => resourceNameOf(o.ref) === 'customresourcedefinitions.apiextensions.k8s.io')
      .flatMap((o) => ((o.object.spec as any)?.versions ?? []).map((v: { name: string }) => `${(o.object.spec as any).group}/${v.name}/${(o.object.spec as any).names?.plural}`)),
  );
  const actions: ObjectAction[] = [];
  await pool(selected, 8, async (o) => {
    input.signal?.throwIfAborted();
    const fromNs = o.object.metadata.namespace;
    const isNamespace = resourceNameOf(o.ref) === 'namespaces';
    const namespace = o.ref.namespaced ? mapNamespace(cleanup.mappings, fromNs) : undefined;
    const name = isNamespace ? mapNamespace(cleanup.mappings, o.object.metadata.name) : o.object.metadata.name;
    const base = {
      source: 'objects' as const,
      id: o.id,
      title: describeObject(o.ref, namespace, name),
      ref: o.ref,
      namespace,
      name,
      ...(namespace !== fromNs ? { fromNamespace: fromNs } : {}),
      ...phaseOf(resourceNameOf(o.ref)),
      warnings: [] as string[],
      changes: [] as string[],
    };
    const why = neededBy.get(o);
    const skip = skipReason(o.ref, o.object);
    if (skip) {
      actions.push({ ...base, verb: 'skip', reason: skip });
      return;
    }
    const { object, changes } = cleanObject(o.ref, o.object, cleanup);
    base.changes = changes;
    if (!client) {
      actions.push({ ...base, verb: 'skip', reason: 'no target cluster' });
      return;
    }
    const servedKey = `${o.ref.apiVersion}/${o.ref.resource}`;
    if (!served?.has(servedKey) && !fromCrds.has(servedKey)) {
      actions.push({ ...base, verb: 'skip', reason: `the target cluster does not serve ${o.ref.resource} in ${o.ref.apiVersion}` });
      return;
    }
    const live = await getLive(client, o.ref, namespace, name, input.signal);
    if (!live) {
      actions.push({ ...base, verb: 'create', reason: why ? `not in the target; needed as ${why}` : 'not in the target', object });
      return;
    }
    const d = decideExisting(o.ref, live, object, input.policy, cleanup);
    actions.push({ ...base, verb: d.verb, reason: d.reason, warnings: d.warnings, object: d.verb === 'skip' ? undefined : object, live, ...(d.diff ? { diff: d.diff } : {}) });
  });
  actions.sort((a, b) => a.phase - b.phase || (a.namespace ?? '').localeCompare(b.namespace ?? '') || a.ref.kind.localeCompare(b.ref.kind) || a.name.localeCompare(b.name));
  return actions;
}

/** The images the objects to be restored run (as the snapshot names them, before mapping). */
export function imagesOfObjects(objects: SnapshotObject[]): Set<string> {
  const out = new Set<string>();
  for (const o of objects) {
    for (const spec of podSpecsOf(o.ref.kind, o.object)) {
      for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) if (c.image) out.add(c.image);
    }
  }
  return out;
}
