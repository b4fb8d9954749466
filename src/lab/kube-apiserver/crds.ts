/**
 * CustomResourceDefinitions: creating one serves its resources (and adds its group to discovery)
 * at once, with the Established condition set; deleting one removes its objects and then it.
 */
import { createHash } from 'node:crypto';
import { errors } from './errors.ts';
import { now, type ObjectApi, type Plugin } from './objects.ts';
import type { ApiResource, CustomVersion, ResourceInfo } from './registry.ts';
import type { KubeObject } from './storage.ts';

const isCrd = (info: ResourceInfo) => info.group === 'apiextensions.k8s.io' && info.resource === 'customresourcedefinitions';

export function crdVersions(crd: KubeObject): CustomVersion[] {
  const spec = crd.spec ?? {};
  const names = spec.names ?? {};
  const namespaced = spec.scope === 'Namespaced';
  const hash = createHash('sha256').update(`${spec.group}/${names.plural}`).digest('base64').slice(0, 11) + '=';
  return (spec.versions ?? [])
    .filter((v: any) => v.served !== false)
    .map((v: any) => {
      const resources: ApiResource[] = [
        {
          name: names.plural,
          singularName: names.singular ?? String(names.kind ?? '').toLowerCase(),
          namespaced,
          kind: names.kind,
          verbs: ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'],
          ...(names.shortNames ? { shortNames: names.shortNames } : {}),
          ...(names.categories ? { categories: names.categories } : {}),
          storageVersionHash: hash,
        },
      ];
      const sub = v.subresources ?? {};
      if (sub.status) resources.push({ name: `${names.plural}/status`, singularName: '', namespaced, kind: names.kind, verbs: ['get', 'patch', 'update'] });
      if (sub.scale) {
        resources.push({ name: `${names.plural}/scale`, singularName: '', namespaced, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
      }
      return { group: spec.group, version: v.name, resources };
    });
}

function validate(crd: KubeObject): void {
  const spec = crd.spec ?? {};
  const name = crd.metadata?.name ?? '';
  const causes: { field: string; message: string }[] = [];
  if (!spec.group) causes.push({ field: 'spec.group', message: 'Required value' });
  if (!spec.names?.plural) causes.push({ field: 'spec.names.plural', message: 'Required value' });
  if (!spec.names?.kind) causes.push({ field: 'spec.names.kind', message: 'Required value' });
  if (!['Namespaced', 'Cluster'].includes(spec.scope)) causes.push({ field: 'spec.scope', message: `Unsupported value: "${spec.scope ?? ''}": supported values: "Cluster", "Namespaced"` });
  const versions = spec.versions ?? [];
  if (versions.length === 0) causes.push({ field: 'spec.versions', message: 'Invalid value: null: must have exactly one version marked as storage version' });
  else if (versions.filter((v: any) => v.storage).length !== 1) {
    causes.push({ field: 'spec.versions', message: 'Invalid value: must have exactly one version marked as storage version' });
  }
  if (spec.group && spec.names?.plural && name !== `${spec.names.plural}.${spec.group}`) {
    causes.push({ field: 'metadata.name', message: `Invalid value: "${name}": must be spec.names.plural+"."+spec.group` });
  }
  if (causes.length) throw errors.invalid('CustomResourceDefinition', 'apiextensions.k8s.io', name, causes);
}

export function crdPlugin(api: ObjectApi): Plugin {
  return {
    prepareCreate(info, object) {
      if (!isCrd(info)) return;
      validate(object);
      const t = now();
      object.status = {
        conditions: [
          { type: 'NamesAccepted', status: 'True', lastTransitionTime: t, reason: 'NoConflicts', message: 'no conflicts found' },
          { type: 'Established', status: 'True', lastTransitionTime: t, reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' },
        ],
        acceptedNames: object.spec.names,
        storedVersions: object.spec.versions.filter((v: any) => v.storage).map((v: any) => v.name),
      };
    },
    afterWrite(info, object) {
      if (isCrd(info)) api.registry.setCustom(object.metadata.name, crdVersions(object));
    },
    async beforeDelete(info, object) {
      if (!isCrd(info)) return;
      const { group, names } = object.spec ?? {};
      const prefix = `/registry/${group}/${names?.plural}/`;
      for (;;) {
        const page = await api.store.list(prefix, { limit: 1000 });
        for (const item of page.items) await api.store.delete(item.key);
        if (!page.nextKey) break;
      }
      api.registry.removeCustom(object.metadata.name);
    },
  };
}

/** Serves the CRDs already stored (a restart, or a restored etcd). */
export async function loadCustomResourceDefinitions(api: ObjectApi): Promise<void> {
  const prefix = '/registry/apiextensions.k8s.io/customresourcedefinitions/';
  let startKey: string | undefined;
  for (;;) {
    const page = await api.store.list(prefix, { limit: 500, startKey });
    for (const item of page.items) {
      if (!item.object.metadata.deletionTimestamp) api.registry.setCustom(item.object.metadata.name, crdVersions(item.object));
    }
    if (!page.nextKey) break;
    startKey = page.nextKey;
  }
}
