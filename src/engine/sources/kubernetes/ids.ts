// Where an object lives in a snapshot and the id the manifest gives it: group, version,
// resource, namespace (`_cluster` for none) and name all kept. The one reader of those ids too.
import type { ApiResource } from '../../kube/discovery.ts';
import { SNAPSHOT_PATHS } from '../sink.ts';

type ResourcePath = Pick<ApiResource, 'group' | 'version' | 'resource'>;

export function objectPath(r: ResourcePath, namespace: string | undefined, name: string): string {
  return `${SNAPSHOT_PATHS.kubernetes}/${r.group || 'core'}/${r.version}/${r.resource}/${namespace ?? '_cluster'}/${name}.yaml`;
}

export function objectId(r: ResourcePath, namespace: string | undefined, name: string): string {
  return `kubernetes:${r.group || 'core'}/${r.version}/${r.resource}/${namespace ?? '_cluster'}/${name}`;
}

const PREFIX = 'kubernetes:';

/** An object id's parts (`kubernetes:apps/v1/deployments/shop/api`); undefined for any other id. */
export function parseObjectId(id: string): { group: string; version: string; resource: string; namespace?: string; name: string } | undefined {
  if (!id.startsWith(PREFIX)) return undefined;
  const parts = id.slice(PREFIX.length).split('/');
  if (parts.length < 5) return undefined;
  const [group, version, resource, ns] = parts as [string, string, string, string];
  return { group: group === 'core' ? '' : group, version, resource, namespace: ns === '_cluster' ? undefined : ns, name: parts.slice(4).join('/') };
}

/** The `group/version/resource` collection of an object id (`apps/v1/deployments`, `core/v1/configmaps`). */
export function collectionOfId(id: string): string | undefined {
  return id.startsWith(PREFIX) ? id.slice(PREFIX.length).split('/').slice(0, 3).join('/') : undefined;
}

/** The id of the object a snapshot file holds (`/kubernetes/apps/v1/deployments/shop/api.yaml`). */
export function objectIdOfPath(file: string): string {
  return `${PREFIX}${file.slice(SNAPSHOT_PATHS.kubernetes.length + 1, -'.yaml'.length)}`;
}
