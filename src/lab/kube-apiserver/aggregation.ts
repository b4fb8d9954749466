/**
 * APIServices: an APIService backed by a Service (an aggregated API server, such as
 * metrics-server's v1beta1.metrics.k8s.io) adds its group/version to discovery, as
 * kube-apiserver's aggregator does. The lab runs no such server, so every request under that
 * group/version is answered 503 "service unavailable", and the APIService's Available condition
 * is False with the aggregator's reason (ServiceNotFound, MissingEndpoints).
 */
import { now, type ObjectApi, type Plugin } from './objects.ts';
import type { ResourceInfo } from './registry.ts';
import type { KubeObject } from './storage.ts';

const isApiService = (info: ResourceInfo) => info.group === 'apiregistration.k8s.io' && info.resource === 'apiservices';
const PREFIX = '/registry/apiregistration.k8s.io/apiservices/';

function aggregatedVersion(o: KubeObject): { group: string; version: string; groupPriority: number; versionPriority: number } | undefined {
  const spec = o.spec ?? {};
  if (!spec.service || !spec.group || !spec.version || o.metadata.deletionTimestamp) return undefined;
  return { group: spec.group, version: spec.version, groupPriority: Number(spec.groupPriorityMinimum ?? 0), versionPriority: Number(spec.versionPriority ?? 0) };
}

/** Why the aggregator finds the APIService's Service unavailable, as its availability controller words it. */
async function availability(api: ObjectApi, o: KubeObject): Promise<Record<string, unknown>> {
  const svc = o.spec?.service;
  if (!svc) return { type: 'Available', status: 'True', reason: 'Local', message: 'Local APIServices are always available' };
  const service = await api.store.get(`/registry/services/specs/${svc.namespace}/${svc.name}`);
  if (!service) return { type: 'Available', status: 'False', reason: 'ServiceNotFound', message: `service/${svc.name} in "${svc.namespace}" is not present` };
  const endpoints = await api.store.get(`/registry/services/endpoints/${svc.namespace}/${svc.name}`);
  const hasAddress = (endpoints?.object.subsets ?? []).some((s: any) => (s.addresses ?? []).length > 0);
  if (!hasAddress) {
    const port = (service.object.spec?.ports ?? []).find((p: any) => p.port === (svc.port ?? 443));
    return { type: 'Available', status: 'False', reason: 'MissingEndpoints', message: `endpoints for service/${svc.name} in "${svc.namespace}" have no addresses with port name "${port?.name ?? ''}"` };
  }
  return { type: 'Available', status: 'False', reason: 'FailedDiscoveryCheck', message: `failing or missing response from https://${svc.name}.${svc.namespace}.svc:${svc.port ?? 443}/apis/${o.spec.group}/${o.spec.version}: the lab runs no aggregated API server` };
}

export function apiServicePlugin(api: ObjectApi): Plugin {
  return {
    async prepareCreate(info, object) {
      if (!isApiService(info)) return;
      const condition = await availability(api, object);
      object.status = { conditions: [{ ...condition, lastTransitionTime: now() }] };
    },
    afterWrite(info, object) {
      if (!isApiService(info)) return;
      const v = aggregatedVersion(object);
      if (v) api.registry.setAggregated(object.metadata.name, v);
      else api.registry.removeAggregated(object.metadata.name);
    },
    beforeDelete(info, object) {
      if (isApiService(info)) api.registry.removeAggregated(object.metadata.name);
    },
  };
}

/** Serves the APIServices already stored (a restart, or a restored etcd). */
export async function loadApiServices(api: ObjectApi): Promise<void> {
  let startKey: string | undefined;
  for (;;) {
    const page = await api.store.list(PREFIX, { startKey });
    for (const item of page.items) {
      const v = aggregatedVersion(item.object);
      if (v) api.registry.setAggregated(item.object.metadata.name, v);
    }
    if (!page.nextKey) return;
    startKey = page.nextKey;
  }
}
