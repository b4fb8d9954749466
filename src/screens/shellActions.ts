import type { Dialog } from '../components/ConfirmDialog.tsx';
import type { Message } from '../components/StatusLine.tsx';
import { plural } from '../components/format.ts';
import type { Inventory } from '../engine/inventory/types.ts';
import type { View } from './router.ts';
import type { TuiServices } from './services.ts';
import type { BackupStore } from './state/backupStore.ts';

// The shell's actions that ask first: back up, cancel a backup, quit while one runs. Each opens
// a dialog whose "yes" does the thing; none acts on a single stray key.

export interface ShellDeps {
  services: TuiServices;
  store: BackupStore;
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

export function askCancel(d: ShellDeps, thenQuit = false): void {
  if (!d.store.running) return d.setMessage({ level: 'info', text: 'no backup is running' });
  d.setDialog({
    title: thenQuit ? 'A backup is running. Cancel it and quit?' : 'Cancel the running backup?',
    lines: ['Running jobs are stopped. What finished is kept in a PARTIAL snapshot.'],
    yes: thenQuit ? 'cancel and quit' : 'cancel the backup',
    no: 'keep it running',
    danger: true,
    onConfirm: () => {
      d.store.cancel();
      if (thenQuit) d.exit();
      else d.setMessage({ level: 'warn', text: 'cancelling the backup...' });
    },
  });
}

export function quit(d: ShellDeps): void {
  if (d.store.running) askCancel(d, true);
  else d.exit();
}
