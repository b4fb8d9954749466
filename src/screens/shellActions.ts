import type { Dialog } from '../components/ConfirmDialog.tsx';
import type { Message } from '../components/StatusLine.tsx';
import { plural } from '../components/format.ts';
import type { Inventory } from '../engine/inventory/types.ts';
import type { View } from './router.ts';
import type { TuiServices } from './services.ts';
import type { BackupStore } from './state/backupStore.ts';
import type { RestoreWizard } from './state/restoreStore.ts';

// The shell's actions that ask first: back up, cancel a backup, quit while one runs. Each opens
// a dialog whose "yes" does the thing; none acts on a single stray key.

export interface ShellDeps {
  services: TuiServices;
  store: BackupStore;
  wizard: RestoreWizard;
  inventory?: Inventory;
  marks: ReadonlySet<string>;
  clearMarks(): void;
  setDialog(d: Dialog | undefined): void;
  setMessage(m: Message): void;
  go(v: View): void;
  exit(): void;
}

export function askBackup(d: ShellDeps): void {
  if (d.store.running) return d.setMessage({ level: 'warn', text: 'a backup is already running (:backup shows it)' });
  const marked = [...d.marks];
  const names = marked.map((id) => d.inventory?.items.find((i) => i.id === id)).map((i, n) => (i ? `${i.kind} ${i.name}` : marked[n]!));
  const needs = d.inventory?.items.filter((i) => i.verdict === 'needs-backup').length;
  const lines = marked.length
    ? [...names.slice(0, 4).map((n) => `  ${n}`), ...(names.length > 4 ? [`  ...and ${names.length - 4} more`] : [])]
    : [
        needs === undefined ? 'Everything the sources can see.' : `Everything: ${plural(needs, 'item')} that need a backup,`,
        'Kubernetes objects, etcd, volumes, images, databases, Prometheus.',
      ];
  d.setDialog({
    title: marked.length ? `Back up the ${plural(marked.length, 'marked item')}?` : 'Back up everything?',
    lines,
    yes: 'start the backup',
    onConfirm: () => {
      d.store.start(d.services.startBackup(marked.length ? { items: marked } : {}));
      d.clearMarks();
      d.go({ screen: 'backup' });
      d.setMessage({ level: 'info', text: `backup started${marked.length ? ` (${plural(marked.length, 'marked item')})` : ''}: c cancels` });
    },
  });
}

const CANCEL = {
  backup: { what: 'backup', kept: 'Running jobs are stopped. What finished is kept in a PARTIAL snapshot.' },
  restore: { what: 'restore', kept: 'Running jobs are stopped. What was written so far stays; the report says what.' },
};

/** Asks before cancelling the running backup or restore (and quitting, with thenQuit). */
function askCancelRun(d: ShellDeps, run: keyof typeof CANCEL, thenQuit: boolean): void {
  const { what, kept } = CANCEL[run];
  const running = run === 'backup' ? d.store.running : d.wizard.running;
  if (!running) return d.setMessage({ level: 'info', text: `no ${what} is running` });
  d.setDialog({
    title: thenQuit ? `A ${what} is running. Cancel it and quit?` : `Cancel the running ${what}?`,
    lines: [kept],
    yes: thenQuit ? 'cancel and quit' : `cancel the ${what}`,
    no: 'keep it running',
    danger: true,
    relevant: () => (run === 'backup' ? d.store.running : d.wizard.running),
    ended: `the ${what} ended before it was cancelled: there is nothing to cancel`,
    onConfirm: () => {
      if (run === 'backup') d.store.cancel();
      else d.wizard.cancel();
      if (thenQuit) d.exit();
      else d.setMessage({ level: 'warn', text: `cancelling the ${what}...` });
    },
  });
}

export const askCancel = (d: ShellDeps, thenQuit = false) => askCancelRun(d, 'backup', thenQuit);
export const askCancelRestore = (d: ShellDeps, thenQuit = false) => askCancelRun(d, 'restore', thenQuit);

export function quit(d: ShellDeps): void {
  if (d.wizard.running) askCancelRestore(d, true);
  else if (d.store.running) askCancel(d, true);
  else d.exit();
}
