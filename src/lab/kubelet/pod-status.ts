/** A pod's status from its containers as Docker reports them, in kubelet 1.32's words. */

/** What the kubelet knows of one container of a pod: its newest Docker container, and the one before. */
export interface ContainerRecord {
  spec: any;
  /** Docker inspect of the newest attempt, if any. */
  latest?: any;
  previous?: any;
  /** Why it is not running yet (ContainerCreating, CrashLoopBackOff, ErrImagePull...). */
  waiting?: { reason: string; message?: string };
  /** What the probes say of the running attempt (no probe: ready and started once it runs). */
  ready?: boolean;
  started?: boolean;
}

const time = (t: string | undefined) => (t && !t.startsWith('0001') ? t.replace(/\.\d+Z$/, 'Z') : undefined);

export const attemptOf = (c: any) => Number(c?.Config?.Labels?.['io.kubernetes.container.restartCount'] ?? 0);

function terminated(c: any) {
  const s = c.State;
  return {
    exitCode: s.ExitCode,
    reason: s.OOMKilled ? 'OOMKilled' : s.ExitCode === 0 ? 'Completed' : 'Error',
    startedAt: time(s.StartedAt),
    finishedAt: time(s.FinishedAt),
    containerID: `docker://${c.Id}`,
  };
}

export function stateOf(r: ContainerRecord): Record<string, unknown> {
  if (r.waiting || !r.latest) return { waiting: r.waiting ?? { reason: 'ContainerCreating' } };
  const s = r.latest.State;
  if (s.Running) return { running: { startedAt: time(s.StartedAt) } };
  if (s.Status === 'created') return { waiting: { reason: 'ContainerCreating' } };
  return { terminated: terminated(r.latest) };
}

export function containerStatus(r: ContainerRecord, init: boolean): Record<string, unknown> {
  const state = stateOf(r);
  const running = 'running' in state;
  const last = r.waiting && r.latest && !r.latest.State.Running ? r.latest : r.previous;
  return {
    name: r.spec.name,
    image: r.spec.image,
    imageID: r.latest ? `docker-pullable://${r.latest.Image}` : '',
    ...(r.latest ? { containerID: `docker://${r.latest.Id}` } : {}),
    ready: init ? 'terminated' in state && (state.terminated as any).exitCode === 0 : running && r.ready !== false,
    started: running && r.started !== false,
    restartCount: r.latest ? attemptOf(r.latest) : 0,
    state,
    lastState: last && last.State.Status === 'exited' ? { terminated: terminated(last) } : {},
  };
}

/** Phase from the containers and restartPolicy: Pending until the init containers are done. */
export function podPhase(restartPolicy: string, initDone: boolean, initFailed: boolean, records: ContainerRecord[]): string {
  if (initFailed) return 'Failed';
  if (!initDone) return 'Pending';
  const states = records.map(stateOf);
  if (states.some((s) => 'running' in s)) return 'Running';
  const done = states.map((s) => (s as any).terminated).filter(Boolean);
  if (done.length < records.length) return records.some((r) => r.latest) ? 'Running' : 'Pending';
  if (restartPolicy === 'Always') return 'Running';
  if (done.every((t: any) => t.exitCode === 0)) return 'Succeeded';
  return restartPolicy === 'Never' ? 'Failed' : 'Running';
}
