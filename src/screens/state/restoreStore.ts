import { initialState, isRunning, isTyping, requestOf, restoreMachine, type WizardEvent, type WizardState } from '../restore/restoreMachine.ts';
import type { RestoreRun, TuiServices } from '../services.ts';
import { BackupStore } from './backupStore.ts';

// The restore wizard's state outside React: the pure machine, plus the I/O its states ask for.
// After each event it looks at what changed and starts what is needed: list the snapshots, read
// a snapshot's contents, plan (abandoned when esc leaves the planning step), run (only on the
// machine's `running` step, which only the typed confirmation reaches). Progress events go into
// a BackupStore, so the bars are the backup screen's own.

export class RestoreWizard {
  private state: WizardState = initialState();
  private listeners = new Set<() => void>();
  private started = false;
  private loading = { snapshots: false, contents: undefined as string | undefined };
  private planning?: { seq: number; controller: AbortController };
  private run?: RestoreRun;
  private off?: () => void;
  /** The running restore's jobs, as bars. */
  readonly progress: BackupStore;

  constructor(
    private readonly services: TuiServices,
    opts: { coalesceMs?: number } = {},
  ) {
    this.progress = new BackupStore({ coalesceMs: opts.coalesceMs });
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  };

  getSnapshot = (): WizardState => this.state;

  get running(): boolean {
    return isRunning(this.state);
  }

  get typing(): boolean {
    return isTyping(this.state);
  }

  /**
   * Opens the wizard: the first time, or after a finished restore, afresh (on `snapshotId` when
   * given); otherwise where it was left, or on `snapshotId` when another one is asked for.
   */
  open(snapshotId?: string): void {
    const s = this.state;
    if (this.running) return;
    if (!this.started || s.step === 'report' || (snapshotId && snapshotId !== s.snapshotId)) {
      this.started = true;
      this.dispatch({ type: 'start', currentContext: this.services.context, snapshotId });
    }
  }

  /** Asks the running restore to stop. */
  cancel(): void {
    if (!this.running || this.state.cancelling) return;
    this.run?.cancel();
    this.dispatch({ type: 'cancelRequested' });
  }

  dispatch = (event: WizardEvent): void => {
    const prev = this.state;
    this.state = restoreMachine(prev, event);
    if (this.state !== prev) {
      this.effects(prev, this.state);
      for (const l of this.listeners) l();
    }
  };

  private effects(prev: WizardState, s: WizardState): void {
    if (s.step === 'snapshot' && !s.snapshots && !this.loading.snapshots) {
      this.loading.snapshots = true;
      this.services.listSnapshots().then(
        (snapshots) => this.dispatch({ type: 'snapshotsLoaded', snapshots }),
        (e: Error) => this.dispatch({ type: 'snapshotsFailed', error: e?.message ?? String(e) }),
      ).finally(() => (this.loading.snapshots = false));
    }
    if (s.snapshotId && s.contentsFor !== s.snapshotId && !s.contentsError && this.loading.contents !== s.snapshotId) {
      const id = s.snapshotId;
      this.loading.contents = id;
      this.services.snapshotContents(id).then(
        (contents) => this.dispatch({ type: 'contentsLoaded', id, contents }),
        (e: Error) => this.dispatch({ type: 'contentsFailed', id, error: e?.message ?? String(e) }),
      ).finally(() => {
        if (this.loading.contents === id) this.loading.contents = undefined;
      });
    }
    if (prev.step === 'planning' && s.step !== 'planning') {
      this.planning?.controller.abort(new Error('the plan was left'));
      this.planning = undefined;
    }
    if (s.step === 'planning' && this.planning?.seq !== s.planSeq) {
      const seq = s.planSeq;
      const controller = new AbortController();
      this.planning = { seq, controller };
      Promise.resolve()
        .then(() => this.services.planRestore(requestOf(s), controller.signal))
        .then(
          (planned) => this.dispatch({ type: 'planned', seq, planned }),
          (e: Error) => this.dispatch({ type: 'planFailed', seq, error: e?.message ?? String(e) }),
        );
    }
    if (s.step === 'running' && prev.step !== 'running' && s.planned) {
      const run = this.services.startRestore(s.planned);
      this.run = run;
      this.progress.start({ events: run.events, cancel: run.cancel, done: run.done.then(() => ({ status: 'complete', jobs: [] })) });
      run.done.then(
        (report) => this.dispatch({ type: 'finished', report }),
        (e: Error) => this.dispatch({ type: 'runFailed', error: e?.message ?? String(e) }),
      ).finally(() => {
        if (this.run === run) this.run = undefined;
      });
    }
  }
}
