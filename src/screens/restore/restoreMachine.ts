import type { SnapshotContents } from '../../engine/restore/contents.ts';
import { parseMapping } from '../../engine/restore/mappings.ts';
import type { RestoreReport } from '../../engine/restore/restore.ts';
import type { ExistingPolicy, PlanAction, RestoreSource } from '../../engine/restore/types.ts';
import { defaultRestoreSources, restoreModule } from '../../engine/sources/registry.ts';
import type { PlannedRestore, RestoreRequest, SnapshotSummary } from '../services.ts';
import { keyOf } from '../../components/keys.ts';

// The restore wizard as a pure (state, event) -> state machine, with no React and no I/O:
// snapshot -> scope -> target -> (planning) -> review (-> diff) -> confirm -> running -> report.
// `back` goes one step back and keeps every choice; nothing can start a run but a `submit` on the
// confirm step whose text is exactly the target context's name. The store (restoreStore.ts) does
// the I/O the states ask for (list, read contents, plan, run) and feeds the answers back as events.

export type Step = 'snapshot' | 'scope' | 'target' | 'planning' | 'review' | 'diff' | 'confirm' | 'running' | 'report';

export const TARGET_FIELDS = ['context', 'namespaceMap', 'storageClassMap', 'registryMap', 'policy'] as const;
export type TargetField = (typeof TARGET_FIELDS)[number];
export const POLICIES: ExistingPolicy[] = ['skip', 'update', 'recreate'];

export interface TargetChoice {
  /** The kubeconfig context to restore into (default: the current one). */
  context: string;
  /** `old=new` pairs, comma-separated, as the CLI's flags take them. */
  namespaceMap: string;
  storageClassMap: string;
  registryMap: string;
  policy: ExistingPolicy;
}

/** One row of the "what to restore" tree. Ids: `source:objects`, `group:namespaces`, `ns:shop`, `kind:configmaps`, `cluster`. */
export interface TreeRow {
  id: string;
  label: string;
  count?: number;
  depth: number;
  /** enter opens or closes it. */
  openable: boolean;
  /** space marks it. */
  markable: boolean;
  note?: string;
}

export interface WizardState {
  step: Step;
  /** The context the wizard was opened in: the target's default. */
  currentContext?: string;
  snapshots?: SnapshotSummary[];
  snapshotsError?: string;
  /** The chosen snapshot's id. */
  snapshotId?: string;
  contents?: SnapshotContents;
  /** Which snapshot `contents` (and `marks`) belong to. */
  contentsFor?: string;
  contentsError?: string;
  /** Marked tree rows. */
  marks: string[];
  /** Opened tree rows. */
  open: string[];
  target: TargetChoice;
  /** The target field being typed into. */
  editing?: { field: TargetField; text: string };
  /** A step's last complaint (a bad mapping, nothing marked), cleared on the next move. */
  error?: string;
  /** The number of the plan asked for; answers to older ones are dropped. */
  planSeq: number;
  planned?: PlannedRestore;
  /** The action whose diff is shown. */
  diffOf?: string;
  confirmText: string;
  cancelling: boolean;
  report?: RestoreReport;
  /** Why the run itself failed. */
  runError?: string;
  /** Cursor per step (the diff step's is its scroll). */
  cursor: Record<string, number>;
}

export type WizardEvent =
  | { type: 'start'; currentContext?: string; snapshotId?: string }
  | { type: 'snapshotsLoaded'; snapshots: SnapshotSummary[] }
  | { type: 'snapshotsFailed'; error: string }
  | { type: 'contentsLoaded'; id: string; contents: SnapshotContents }
  | { type: 'contentsFailed'; id: string; error: string }
  | { type: 'move'; delta: number }
  /** enter: choose the snapshot, open a tree row, edit a field, show a diff. */
  | { type: 'select' }
  /** space: mark a tree row. */
  | { type: 'toggle' }
  /** On to the next step: target, plan, confirm. */
  | { type: 'next' }
  | { type: 'back' }
  | { type: 'type'; text: string }
  | { type: 'erase' }
  | { type: 'submit' }
  | { type: 'planned'; seq: number; planned: PlannedRestore }
  | { type: 'planFailed'; seq: number; error: string }
  | { type: 'cancelRequested' }
  | { type: 'finished'; report: RestoreReport }
  | { type: 'runFailed'; error: string };

export function initialState(currentContext?: string, snapshotId?: string): WizardState {
  return {
    step: snapshotId ? 'scope' : 'snapshot',
    currentContext,
    snapshotId,
    marks: [],
    open: ['source:objects', 'group:namespaces'],
    target: { context: currentContext ?? '', namespaceMap: '', storageClassMap: '', registryMap: '', policy: 'skip' },
    planSeq: 0,
    confirmText: '',
    cancelling: false,
    cursor: {},
  };
}

/** The word the confirmation asks for: the target context's name ("restore" with no cluster). */
export function confirmWord(s: WizardState): string {
  return s.planned?.context ?? 'restore';
}

/** Whether keys are text (a field being edited, or the confirmation). */
export function isTyping(s: WizardState): boolean {
  return s.step === 'confirm' || (s.step === 'target' && s.editing !== undefined);
}

export function isRunning(s: WizardState): boolean {
  return s.step === 'running';
}

/** How the tree names a source: its module's label. */
const sourceLabel = (source: RestoreSource) => restoreModule(source)?.restore.label ?? source;

/** The tree as shown: sources, and under objects the namespaces and kinds with counts. */
export function treeRows(s: WizardState): TreeRow[] {
  const c = s.contents;
  if (!c) return [];
  const rows: TreeRow[] = [];
  const opened = (id: string) => s.open.includes(id);
  for (const { source, items } of c.sources) {
    const objects = source === 'objects';
    rows.push({ id: `source:${source}`, label: sourceLabel(source), count: items, depth: 0, openable: objects, markable: true });
    if (!objects || !opened('source:objects')) continue;
    const namespaces = Object.entries(c.namespaces).sort(([a], [b]) => a.localeCompare(b));
    const kinds = Object.entries(c.kinds).sort(([a], [b]) => a.localeCompare(b));
    rows.push({ id: 'group:namespaces', label: 'namespaces', count: namespaces.length, depth: 1, openable: true, markable: false, note: 'none marked: all' });
    if (opened('group:namespaces')) {
      for (const [ns, n] of namespaces) rows.push({ id: `ns:${ns}`, label: ns, count: n, depth: 2, openable: false, markable: true });
      if (c.clusterScoped) rows.push({ id: 'cluster', label: 'cluster-scoped', count: c.clusterScoped, depth: 2, openable: false, markable: false, note: 'only when no namespace is marked' });
    }
    rows.push({ id: 'group:kinds', label: 'kinds', count: kinds.length, depth: 1, openable: true, markable: false, note: 'none marked: all' });
    if (opened('group:kinds')) for (const [k, n] of kinds) rows.push({ id: `kind:${k}`, label: k, count: n, depth: 2, openable: false, markable: true });
  }
  return rows;
}

/** What is marked, as the engine's request: sources, namespaces and kinds, target and options. Throws on a bad mapping. */
export function requestOf(s: WizardState): RestoreRequest {
  const marked = (prefix: string) => s.marks.filter((m) => m.startsWith(prefix)).map((m) => m.slice(prefix.length));
  const sources = marked('source:') as RestoreSource[];
  const namespaces = marked('ns:');
  const kinds = marked('kind:');
  const t = s.target;
  return {
    snapshot: s.snapshotId!,
    scope: { sources, namespaces: namespaces.length ? namespaces : undefined, kinds: kinds.length ? kinds : undefined },
    targetContext: t.context.trim() && t.context.trim() !== s.currentContext ? t.context.trim() : undefined,
    options: {
      namespaceMap: parseMapping([t.namespaceMap], 'namespace map'),
      storageClassMap: parseMapping([t.storageClassMap], 'storage-class map'),
      registryMap: parseMapping([t.registryMap], 'registry map'),
      existingPolicy: t.policy,
    },
  };
}

/** The review's rows: every action of the plan, in plan order. */
export function reviewRows(s: WizardState): PlanAction[] {
  return s.planned?.plan.actions ?? [];
}

/** How many rows the current step's cursor moves over. */
function rowCount(s: WizardState): number {
  switch (s.step) {
    case 'snapshot':
      return s.snapshots?.length ?? 0;
    case 'scope':
      return treeRows(s).length;
    case 'target':
      return TARGET_FIELDS.length;
    case 'review':
      return reviewRows(s).length;
    case 'diff':
      return Number.MAX_SAFE_INTEGER; // the screen clamps the scroll to the text
    default:
      return 0;
  }
}

export function cursorOf(s: WizardState): number {
  return Math.max(0, Math.min(rowCount(s) - 1, s.cursor[s.step] ?? 0));
}

const withCursor = (s: WizardState, at: number): WizardState => ({ ...s, cursor: { ...s.cursor, [s.step]: at }, error: undefined });

function toggle(list: string[], id: string): string[] {
  return list.includes(id) ? list.filter((x) => x !== id) : [...list, id];
}

export function restoreMachine(s: WizardState, e: WizardEvent): WizardState {
  switch (e.type) {
    case 'start':
      return initialState(e.currentContext, e.snapshotId);
    case 'snapshotsLoaded':
      return { ...s, snapshots: [...e.snapshots].sort((a, b) => Date.parse(b.time) - Date.parse(a.time)), snapshotsError: undefined };
    case 'snapshotsFailed':
      return { ...s, snapshotsError: e.error };
    case 'contentsLoaded': {
      if (e.id !== s.snapshotId) return s;
      const held = e.contents.sources.map((x) => x.source);
      // Marked by default: what `lifeboat restore SNAP` restores (all but etcd).
      const marks = defaultRestoreSources().filter((x) => held.includes(x)).map((x) => `source:${x}`);
      return { ...s, contents: e.contents, contentsFor: e.id, contentsError: undefined, marks };
    }
    case 'contentsFailed':
      return e.id === s.snapshotId ? { ...s, contentsError: e.error } : s;
    case 'move': {
      if (s.step === 'target' && s.editing) return s;
      const n = rowCount(s);
      if (n === 0) return s;
      return withCursor(s, Math.max(0, Math.min(n - 1, cursorOf(s) + e.delta)));
    }
    case 'select':
      return select(s);
    case 'toggle': {
      if (s.step !== 'scope') return s;
      const row = treeRows(s)[cursorOf(s)];
      if (!row?.markable) return { ...s, error: row ? `${row.label}: open it with ${keyOf('open', 'restore')} and mark what is under it` : undefined };
      let marks = toggle(s.marks, row.id);
      // Marking a namespace or a kind means restoring objects.
      if (row.depth > 0 && marks.includes(row.id) && !marks.includes('source:objects')) marks = [...marks, 'source:objects'];
      return { ...s, marks, error: undefined };
    }
    case 'next':
      return next(s);
    case 'back':
      return back(s);
    case 'type':
      if (s.step === 'confirm') return { ...s, confirmText: s.confirmText + e.text, error: undefined };
      if (s.step === 'target' && s.editing) return { ...s, editing: { ...s.editing, text: s.editing.text + e.text } };
      return s;
    case 'erase':
      if (s.step === 'confirm') return { ...s, confirmText: s.confirmText.slice(0, -1), error: undefined };
      if (s.step === 'target' && s.editing) return { ...s, editing: { ...s.editing, text: s.editing.text.slice(0, -1) } };
      return s;
    case 'submit':
      return submit(s);
    case 'planned':
      if (s.step !== 'planning' || e.seq !== s.planSeq) return s;
      return { ...s, step: 'review', planned: e.planned, cursor: { ...s.cursor, review: 0 }, error: undefined };
    case 'planFailed':
      if (s.step !== 'planning' || e.seq !== s.planSeq) return s;
      return { ...s, step: 'target', error: `could not plan the restore: ${e.error}` };
    case 'cancelRequested':
      return s.step === 'running' ? { ...s, cancelling: true } : s;
    case 'finished':
      return s.step === 'running' ? { ...s, step: 'report', report: e.report, cancelling: false } : s;
    case 'runFailed':
      return s.step === 'running' ? { ...s, step: 'report', runError: e.error, cancelling: false } : s;
  }
}

function select(s: WizardState): WizardState {
  switch (s.step) {
    case 'snapshot': {
      const snap = s.snapshots?.[cursorOf(s)];
      if (!snap) return s;
      // Choosing another snapshot starts its choices afresh; the same one keeps them.
      const same = snap.id === s.snapshotId;
      return {
        ...s,
        step: 'scope',
        snapshotId: snap.id,
        contents: same ? s.contents : undefined,
        contentsFor: same ? s.contentsFor : undefined,
        contentsError: undefined,
        marks: same ? s.marks : [],
        planned: same ? s.planned : undefined,
        error: undefined,
      };
    }
    case 'scope': {
      const row = treeRows(s)[cursorOf(s)];
      if (!row) return s;
      if (!row.openable) return { ...s, error: row.markable ? `${keyOf('mark', 'restore')} marks it; ${keyOf('next', 'restore')} goes on to the target` : undefined };
      return { ...s, open: toggle(s.open, row.id), error: undefined };
    }
    case 'target': {
      const field = TARGET_FIELDS[cursorOf(s)]!;
      if (field === 'policy') {
        const policy = POLICIES[(POLICIES.indexOf(s.target.policy) + 1) % POLICIES.length]!;
        return { ...s, target: { ...s.target, policy }, error: undefined };
      }
      return { ...s, editing: { field, text: s.target[field] }, error: undefined };
    }
    case 'review': {
      const a = reviewRows(s)[cursorOf(s)];
      if (!a) return s;
      return { ...s, step: 'diff', diffOf: a.id, cursor: { ...s.cursor, diff: 0 } };
    }
    default:
      return s;
  }
}

function next(s: WizardState): WizardState {
  switch (s.step) {
    case 'snapshot':
      return select(s);
    case 'scope':
      if (!s.contents) return s;
      if (!s.marks.some((m) => m.startsWith('source:'))) return { ...s, error: `nothing is marked: mark at least one source with ${keyOf('mark', 'restore')}` };
      return { ...s, step: 'target', error: undefined };
    case 'target': {
      if (s.editing) return s;
      try {
        requestOf(s);
      } catch (err) {
        return { ...s, error: (err as Error).message };
      }
      return { ...s, step: 'planning', planSeq: s.planSeq + 1, planned: undefined, error: undefined };
    }
    case 'review':
    case 'diff':
      return { ...s, step: 'confirm', confirmText: '', error: undefined };
    default:
      return s;
  }
}

const PREVIOUS: Partial<Record<Step, Step>> = { scope: 'snapshot', target: 'scope', planning: 'target', review: 'target', diff: 'review', confirm: 'review' };

function back(s: WizardState): WizardState {
  if (s.step === 'target' && s.editing) return { ...s, editing: undefined };
  const to = PREVIOUS[s.step];
  if (!to) return s; // snapshot and report leave the wizard; running asks to cancel (the shell does both)
  // Leaving planning drops the plan asked for: its answer is ignored when it comes.
  return { ...s, step: to, planSeq: s.step === 'planning' ? s.planSeq + 1 : s.planSeq, confirmText: '', error: undefined };
}

function submit(s: WizardState): WizardState {
  if (s.step === 'target' && s.editing) {
    const { field, text } = s.editing;
    return { ...s, editing: undefined, target: { ...s.target, [field]: text.trim() } };
  }
  if (s.step !== 'confirm' || !s.planned) return s;
  if (s.confirmText !== confirmWord(s)) {
    return { ...s, confirmText: '', error: `'${s.confirmText}' is not '${confirmWord(s)}': nothing was restored; type the name exactly, or ${keyOf('dismiss', 'text')} to go back` };
  }
  return { ...s, step: 'running', confirmText: '', cancelling: false, report: undefined, runError: undefined, error: undefined };
}
