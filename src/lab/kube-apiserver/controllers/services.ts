/**
 * Services: a cluster IP (and node ports) allocated on create as the Service registry does, and
 * the endpoints controllers: each Service with a selector gets Endpoints (ready pods in
 * `addresses`, running unready ones in `notReadyAddresses`) and an EndpointSlice whose endpoints'
 * ready/serving/terminating conditions follow the pods' Ready condition and deletion.
 */
import { createHash } from 'node:crypto';
import { errors } from '../errors.ts';
import type { Plugin } from '../objects.ts';
import type { KubeObject } from '../storage.ts';
import { benign, type Controller, type ControllerContext, nsKey, ownerRef, splitKey } from './framework.ts';
import { podIsReady } from './pods.ts';

const hashNumber = (text: string) => createHash('sha1').update(text).digest().readUInt32BE(0);
const isService = (info: { group: string; resource: string }) => info.group === '' && info.resource === 'services';

export const servicePlugin: Plugin = {
  prepareCreate(info, svc) {
    if (!isService(info)) return;
    const spec = (svc.spec ??= {});
    spec.type ??= spec.externalName ? 'ExternalName' : 'ClusterIP';
    spec.sessionAffinity ??= 'None';
    if (spec.type !== 'ExternalName') {
      if (!spec.clusterIP) {
        const n = hashNumber(`${svc.metadata.namespace}/${svc.metadata.name}`);
        spec.clusterIP = `10.96.${(n >>> 8) % 256}.${(n % 253) + 2}`;
      }
      spec.clusterIPs ??= [spec.clusterIP];
      spec.ipFamilies ??= spec.clusterIP === 'None' ? ['IPv4'] : ['IPv4'];
      spec.ipFamilyPolicy ??= 'SingleStack';
      spec.internalTrafficPolicy ??= 'Cluster';
    }
    for (const [i, port] of (spec.ports ?? []).entries()) {
      if (typeof port.port !== 'number') {
        throw errors.invalid('Service', '', svc.metadata.name, [{ field: `spec.ports[${i}].port`, message: 'Required value', reason: 'FieldValueRequired' }]);
      }
      port.protocol ??= 'TCP';
      port.targetPort ??= port.port;
      if ((spec.type === 'NodePort' || spec.type === 'LoadBalancer') && !port.nodePort) {
        port.nodePort = 30000 + (hashNumber(`${svc.metadata.namespace}/${svc.metadata.name}/${i}`) % 2768);
      }
    }
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.externalTrafficPolicy ??= 'Cluster';
  },
  prepareUpdate(info, cur, next) {
    if (!isService(info)) return;
    next.spec ??= {};
    for (const f of ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy']) if (next.spec[f] === undefined && cur.spec?.[f] !== undefined) next.spec[f] = cur.spec[f];
  },
};

function resolvePort(targetPort: unknown, pod: KubeObject): number | undefined {
  if (typeof targetPort === 'number') return targetPort;
  if (/^\d+$/.test(String(targetPort))) return Number(targetPort);
  for (const c of pod.spec?.containers ?? []) for (const p of c.ports ?? []) if (p.name === targetPort) return p.containerPort;
  return undefined;
}

const readyCondition = (p: KubeObject) => (p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');

const selects = (selector: Record<string, string>, labels: Record<string, string> | undefined) =>
  Object.entries(selector).every(([k, v]) => labels?.[k] === v);

export function endpointsController(ctx: ControllerContext): Controller {
  return {
    name: 'endpoints',
    keysFor: (e) => {
      if (ctx.is(e, '', 'services')) return [nsKey(e.object)];
      if (ctx.is(e, '', 'pods')) return ctx.list('', 'services', e.object.metadata.namespace).filter((s) => s.spec?.selector).map(nsKey);
      return [];
    },
    resync: () => ctx.list('', 'services').filter((s) => s.spec?.selector).map(nsKey),
    async reconcile(key) {
      const [ns, name] = splitKey(key);
      const svc = ctx.get('', 'services', ns, name);
      const epInfo = ctx.info('', 'endpoints');
      const sliceInfo = ctx.info('discovery.k8s.io', 'endpointslices');
      const slices = ctx.list('discovery.k8s.io', 'endpointslices', ns).filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === name);
      if (!svc || !svc.spec?.selector || svc.metadata.deletionTimestamp) {
        if (ctx.get('', 'endpoints', ns, name)?.metadata.labels?.['endpoints.lifeboat.dev/managed'] === 'true' || (!svc && ctx.get('', 'endpoints', ns, name))) {
          await ctx.api.delete(epInfo, ns, name).catch(benign);
        }
        return;
      }
      const selected = ctx.list('', 'pods', ns).filter((p) => selects(svc.spec.selector, p.metadata.labels) && p.status?.podIP && !['Succeeded', 'Failed'].includes(p.status?.phase));
      const publishAll = svc.spec.publishNotReadyAddresses === true;
      const address = (p: KubeObject) => ({ ip: p.status.podIP, nodeName: p.spec?.nodeName, targetRef: { kind: 'Pod', namespace: ns, name: p.metadata.name, uid: p.metadata.uid } });
      const live = selected.filter((p) => !p.metadata.deletionTimestamp || publishAll);
      const ready = live.filter((p) => publishAll || podIsReady(p));
      const unready = live.filter((p) => !ready.includes(p));
      const pods = selected;
      const addresses = ready.map(address);
      const notReadyAddresses = unready.map(address);
      const ports = (svc.spec.ports ?? []).map((p: any) => ({
        ...(p.name ? { name: p.name } : {}),
        port: (pods[0] && resolvePort(p.targetPort, pods[0])) ?? (typeof p.targetPort === 'number' ? p.targetPort : p.port),
        protocol: p.protocol ?? 'TCP',
      }));
      const endpoints: KubeObject = {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name, namespace: ns, labels: { ...(svc.metadata.labels ?? {}) } },
        ...(live.length ? { subsets: [{ ...(addresses.length ? { addresses } : {}), ...(notReadyAddresses.length ? { notReadyAddresses } : {}), ports }] } : {}),
      };
      const existing = ctx.get('', 'endpoints', ns, name);
      if (!existing) await ctx.api.create(epInfo, ns, endpoints).catch(benign);
      else if (JSON.stringify(existing.subsets ?? null) !== JSON.stringify(endpoints.subsets ?? null)) {
        await ctx.api.mutate(epInfo, ns, name, (o) => {
          const next: KubeObject = { ...o, metadata: { ...o.metadata, labels: endpoints.metadata.labels } };
          if (endpoints.subsets) next.subsets = endpoints.subsets;
          else delete next.subsets;
          return next;
        }).catch(benign);
      }
      const slice: KubeObject = {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          name: `${name}-${createHash('sha1').update(`${ns}/${name}`).digest('hex').slice(0, 5)}`,
          namespace: ns,
          labels: { ...(svc.metadata.labels ?? {}), 'kubernetes.io/service-name': name, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
          ownerReferences: [ownerRef({ ...svc, apiVersion: 'v1', kind: 'Service' })],
        },
        addressType: 'IPv4',
        endpoints: pods.map((p) => ({
          addresses: [p.status.podIP],
          conditions: { ready: podIsReady(p), serving: podIsReady(p) || (!!p.metadata.deletionTimestamp && readyCondition(p)), terminating: !!p.metadata.deletionTimestamp },
          nodeName: p.spec?.nodeName,
          targetRef: { kind: 'Pod', namespace: ns, name: p.metadata.name, uid: p.metadata.uid },
        })),
        ports,
      };
      const current = slices.find((s) => s.metadata.name === slice.metadata.name);
      if (!current) await ctx.api.create(sliceInfo, ns, slice).catch(benign);
      else if (JSON.stringify([current.endpoints, current.ports]) !== JSON.stringify([slice.endpoints, slice.ports])) {
        await ctx.api.mutate(sliceInfo, ns, slice.metadata.name, (o) => ({ ...o, endpoints: slice.endpoints, ports: slice.ports })).catch(benign);
      }
    },
  };
}
