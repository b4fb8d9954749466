// Where an object lives in a snapshot and the id the manifest gives it: group, version,
// resource, namespace (`_cluster` for none) and name all kept.
import type { ApiResource } from '../../kube/discovery.ts';
import { SNAPSHOT_PATHS } from '../sink.ts';

type ResourcePath = Pick<ApiResource, 'group' | 'version' | 'resource'>;

export function objectPath(r: ResourcePath, namespace: string | undefined, name: string): string {
  return `${SNAPSHOT_PATHS.kubernetes}/${r.group || 'core'}/${r.version}/${r.resource}/${namespace ?? '_cluster'}/${name}.yaml`;
}

export function objectId(r: ResourcePath, namespace: string | undefined, name: string): string {
  return `kubernetes:${r.group || 'core'}/${r.version}/${r.resource}/${namespace ?? '_cluster'}/${name}`;
}
