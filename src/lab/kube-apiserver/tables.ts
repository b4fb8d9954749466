/**
 * Server-side printing (`Accept: ...;as=Table;g=meta.k8s.io`) for Pods and Nodes, with the
 * columns kube-apiserver 1.32 prints, so `kubectl get pods -o wide` shows ready counts, status,
 * restarts, IP and node. Other resources keep kubectl's own NAME/AGE fallback.
 */
import type http from 'node:http';

export const TABLE_RESOURCES = new Set(['pods', 'nodes']);

export function wantsTable(req: http.IncomingMessage): boolean {
  return /as=Table/.test(String(req.headers.accept ?? '')) && /g=meta\.k8s\.io/.test(String(req.headers.accept ?? ''));
}

/** kube's HumanDuration: 5s, 3m20s, 2d3h, 4y. */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 ? `${m}m${s % 60}s` : `${m}m`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 ? `${h}h${m % 60}m` : `${h}h`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 24 * 8) return h % 24 ? `${d}d${h % 24}h` : `${d}d`;
  if (d < 365 * 2) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

const age = (t: string | undefined, now: number) => (t ? humanDuration(now - Date.parse(t)) : '<unknown>');

/** The STATUS column as kubectl's pod printer works it out. */
function podStatus(pod: any): string {
  let reason = pod.status?.reason ?? pod.status?.phase ?? 'Pending';
  const inits = pod.status?.initContainerStatuses ?? [];
  let initializing = false;
  for (const [i, c] of inits.entries()) {
    const t = c.state?.terminated;
    if (t && t.exitCode === 0) continue;
    initializing = true;
    if (t) reason = t.reason ? `Init:${t.reason}` : t.signal ? `Init:Signal:${t.signal}` : `Init:ExitCode:${t.exitCode}`;
    else if (c.state?.waiting?.reason && c.state.waiting.reason !== 'PodInitializing') reason = `Init:${c.state.waiting.reason}`;
    else reason = `Init:${i}/${(pod.spec?.initContainers ?? []).length}`;
    break;
  }
  if (!initializing) {
    let hasRunning = false;
    for (const c of [...(pod.status?.containerStatuses ?? [])].reverse()) {
      if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
      else if (c.state?.terminated) reason = c.state.terminated.reason ?? (c.state.terminated.signal ? `Signal:${c.state.terminated.signal}` : `ExitCode:${c.state.terminated.exitCode}`);
      else if (c.ready && c.state?.running) hasRunning = true;
    }
    if (reason === 'Completed' && hasRunning) reason = 'Running';
  }
  if (pod.metadata.deletionTimestamp) reason = pod.status?.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  return reason;
}

function podRow(pod: any, now: number): unknown[] {
  const statuses = pod.status?.containerStatuses ?? [];
  const total = (pod.spec?.containers ?? []).length;
  const ready = statuses.filter((c: any) => c.ready && c.state?.running).length;
  let restarts = 0;
  let lastRestart = 0;
  for (const c of [...(pod.status?.initContainerStatuses ?? []), ...statuses]) {
    restarts += c.restartCount ?? 0;
    const finished = c.lastState?.terminated?.finishedAt;
    if (finished) lastRestart = Math.max(lastRestart, Date.parse(finished));
  }
  const gates = (pod.spec?.readinessGates ?? []).length;
  return [
    pod.metadata.name,
    `${ready}/${total}`,
    podStatus(pod),
    lastRestart && restarts ? `${restarts} (${humanDuration(now - lastRestart)} ago)` : String(restarts),
    age(pod.metadata.creationTimestamp, now),
    pod.status?.podIP ?? '<none>',
    pod.spec?.nodeName ?? '<none>',
    pod.status?.nominatedNodeName ?? '<none>',
    gates ? `${(pod.status?.conditions ?? []).filter((c: any) => pod.spec.readinessGates.some((g: any) => g.conditionType === c.type) && c.status === 'True').length}/${gates}` : '<none>',
  ];
}

function nodeRow(node: any, now: number): unknown[] {
  const ready = (node.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
  const status = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown', ...(node.spec?.unschedulable ? ['SchedulingDisabled'] : [])].join(',');
  const roles = Object.keys(node.metadata.labels ?? {}).filter((k) => k.startsWith('node-role.kubernetes.io/')).map((k) => k.slice('node-role.kubernetes.io/'.length)).join(',') || '<none>';
  const addr = (type: string) => (node.status?.addresses ?? []).find((a: any) => a.type === type)?.address ?? '<none>';
  const info = node.status?.nodeInfo ?? {};
  return [node.metadata.name, status, roles, age(node.metadata.creationTimestamp, now), info.kubeletVersion ?? '', addr('InternalIP'), addr('ExternalIP'), info.osImage ?? '<unknown>', info.kernelVersion ?? '<unknown>', info.containerRuntimeVersion ?? '<unknown>'];
}

const col = (name: string, type: string, description: string, priority = 0, format = '') => ({ name, type, format, description, priority });

const COLUMNS: Record<string, ReturnType<typeof col>[]> = {
  pods: [
    col('Name', 'string', 'Name must be unique within a namespace.', 0, 'name'),
    col('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    col('Status', 'string', 'The aggregate status of the containers in this pod.'),
    col('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    col('Age', 'string', 'CreationTimestamp is a timestamp representing the server time when this object was created.'),
    col('IP', 'string', 'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', 1),
    col('Node', 'string', 'NodeName is a request to schedule this pod onto a specific node.', 1),
    col('Nominated Node', 'string', 'nominatedNodeName is set only when this pod preempts other pods on the node.', 1),
    col('Readiness Gates', 'string', 'If specified, all readiness gates will be evaluated for pod readiness.', 1),
  ],
  nodes: [
    col('Name', 'string', 'Name must be unique within a namespace.', 0, 'name'),
    col('Status', 'string', 'The status of the node'),
    col('Roles', 'string', 'The roles of the node'),
    col('Age', 'string', 'CreationTimestamp is a timestamp representing the server time when this object was created.'),
    col('Version', 'string', 'Kubelet Version reported by the node.'),
    col('Internal-IP', 'string', 'List of internal IPs in the node.', 1),
    col('External-IP', 'string', 'List of external IPs in the node.', 1),
    col('OS-Image', 'string', 'OS Image reported by the node.', 1),
    col('Kernel-Version', 'string', 'Kernel Version reported by the node.', 1),
    col('Container-Runtime', 'string', 'Container Runtime Version reported by the node.', 1),
  ],
};

/** A Table of a Pod/Node or a list of them; rows carry PartialObjectMetadata, as kubectl asks by default. */
export function toTable(resource: string, body: any, now = Date.now()): unknown {
  const items: any[] = body?.kind?.endsWith('List') ? body.items ?? [] : [body];
  const row = resource === 'pods' ? podRow : nodeRow;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: body?.metadata?.resourceVersion ?? '', ...(body?.metadata?.continue ? { continue: body.metadata.continue } : {}) },
    columnDefinitions: COLUMNS[resource],
    rows: items.map((o) => ({ cells: row(o, now), object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata } })),
  };
}
