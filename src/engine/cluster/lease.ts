// Leader election on a coordination.k8s.io Lease, by client-go's rules (leaderelection): a
// holder renews before leaseDurationSeconds pass; anyone may take a lease whose renewTime is
// older than that; every write carries the resourceVersion read, so two contenders never both
// win (the second gets 409 Conflict).
import { KubeApiError, type KubeClient } from '../kube/client.ts';

type Obj = Record<string, any>;

/** Kubernetes MicroTime: RFC 3339 with microseconds. */
export const microTime = (d: Date) => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export interface LeaseOptions {
  namespace: string;
  name: string;
  identity: string;
  durationSeconds: number;
  now?: () => Date;
}

const leasePath = (ns: string, name?: string) => `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(ns)}/leases${name ? `/${encodeURIComponent(name)}` : ''}`;

/** One try to take or renew the lease: whether `identity` holds it, and who does. */
export async function acquireOrRenew(kube: KubeClient, o: LeaseOptions, signal?: AbortSignal): Promise<{ holds: boolean; holder?: string }> {
  const now = (o.now ?? (() => new Date()))();
  let lease: Obj | undefined;
  try {
    lease = await kube.request<Obj>('GET', leasePath(o.namespace, o.name), undefined, { signal });
  } catch (e) {
    if (!(e instanceof KubeApiError && e.status === 404)) throw e;
  }
  const spec = {
    holderIdentity: o.identity,
    leaseDurationSeconds: o.durationSeconds,
    acquireTime: microTime(now),
    renewTime: microTime(now),
    leaseTransitions: 0,
  };
  try {
    if (!lease) {
      await kube.request('POST', leasePath(o.namespace), { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: o.name, namespace: o.namespace }, spec }, { signal });
      return { holds: true, holder: o.identity };
    }
    const held = lease.spec ?? {};
    const mine = held.holderIdentity === o.identity;
    const renewed = Date.parse(held.renewTime ?? held.acquireTime ?? 0);
    const expired = !held.holderIdentity || !Number.isFinite(renewed) || renewed + (held.leaseDurationSeconds ?? o.durationSeconds) * 1000 <= now.getTime();
    if (!mine && !expired) return { holds: false, holder: held.holderIdentity };
    const next = mine
      ? { ...held, renewTime: spec.renewTime, leaseDurationSeconds: o.durationSeconds }
      : { ...spec, leaseTransitions: (held.leaseTransitions ?? 0) + 1 };
    await kube.request('PUT', leasePath(o.namespace, o.name), { ...lease, spec: next }, { signal });
    return { holds: true, holder: o.identity };
  } catch (e) {
    if (e instanceof KubeApiError && (e.status === 409 || e.status === 422)) return { holds: false };
    throw e;
  }
}

/** Gives the lease up (client-go's ReleaseOnCancel), so a successor need not wait it out. */
export async function release(kube: KubeClient, o: LeaseOptions): Promise<void> {
  try {
    const lease = await kube.request<Obj>('GET', leasePath(o.namespace, o.name));
    if (lease.spec?.holderIdentity !== o.identity) return;
    const now = microTime((o.now ?? (() => new Date()))());
    await kube.request('PUT', leasePath(o.namespace, o.name), { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now } });
  } catch {
    /* gone or taken: nothing to give up */
  }
}

/** Who holds a lease now (undefined when free or expired). */
export async function leaseHolder(kube: KubeClient, namespace: string, name: string, now = new Date()): Promise<string | undefined> {
  try {
    const lease = await kube.request<Obj>('GET', leasePath(namespace, name));
    const s = lease.spec ?? {};
    const renewed = Date.parse(s.renewTime ?? s.acquireTime ?? 0);
    return s.holderIdentity && renewed + (s.leaseDurationSeconds ?? 0) * 1000 > now.getTime() ? s.holderIdentity : undefined;
  } catch (e) {
    if (e instanceof KubeApiError && e.status === 404) return undefined;
    throw e;
  }
}

/**
 * Runs `lead` while holding the lease: tries every `retryMs`, renews as often; when the lease is
 * lost, aborts the signal given to `lead`. Returns when `signal` aborts (and releases the lease).
 */
export async function runElected(
  kube: () => KubeClient,
  o: LeaseOptions & { retryMs: number },
  signal: AbortSignal,
  lead: (leading: AbortSignal) => void | Promise<void>,
  log: (line: string) => void = () => {},
): Promise<void> {
  let leading: AbortController | undefined;
  let client = kube();
  let waitingFor: string | undefined;
  while (!signal.aborted) {
    let holds = false;
    try {
      const r = await acquireOrRenew(client, o, signal);
      holds = r.holds;
      if (!holds && r.holder && r.holder !== waitingFor) log(`${o.identity} waits: lease ${o.namespace}/${o.name} is held by ${r.holder}`);
      waitingFor = holds ? undefined : (r.holder ?? waitingFor);
    } catch (e) {
      if (signal.aborted) break;
      log(`lease ${o.namespace}/${o.name}: ${(e as Error).message}`);
      client.close();
      client = kube(); // a fresh token and connection next time
    }
    if (holds && !leading) {
      leading = new AbortController();
      log(`${o.identity} leads (lease ${o.namespace}/${o.name})`);
      void Promise.resolve(lead(leading.signal)).catch((e) => log(`leader work stopped: ${(e as Error).message}`));
    } else if (!holds && leading) {
      log(`${o.identity} lost the lease ${o.namespace}/${o.name}`);
      leading.abort();
      leading = undefined;
    }
    await new Promise<void>((r) => {
      const t = setTimeout(r, o.retryMs);
      signal.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
    });
  }
  leading?.abort();
  await release(client, o);
  client.close();
}
