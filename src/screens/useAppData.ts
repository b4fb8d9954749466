import { useCallback, useEffect, useState } from 'react';
import type { Inventory } from '../engine/inventory/types.ts';
import type { Message } from '../components/StatusLine.tsx';
import { summaryHeadline } from './backup/SummaryView.tsx';
import type { SnapshotSummary, TuiServices } from './services.ts';
import type { BackupStore } from './state/backupStore.ts';

export interface Loaded<T> {
  value?: T;
  error?: string;
}

/**
 * What the shell reads from the engine: the inventory and the snapshot list (the header's
 * coverage and newest backup come from them). Both are read again on ctrl-r and after a backup
 * ends, so coverage moves from 0% to 100% without leaving the screen.
 */
export function useAppData(services: TuiServices, store: BackupStore, setMessage: (m: Message) => void) {
  const [inventory, setInventory] = useState<Loaded<Inventory>>({});
  const [snapshots, setSnapshots] = useState<Loaded<SnapshotSummary[]>>({});

  const reload = useCallback(() => {
    services.loadInventory().then(
      (value) => {
        setInventory({ value });
        if (value.warnings.length) setMessage({ level: 'warn', text: `${value.warnings.length} source(s) could not be read: ${value.warnings[0]}` });
      },
      (e: Error) => {
        setInventory((old) => ({ value: old.value, error: e.message }));
        setMessage({ level: 'error', text: `inventory: ${e.message}` });
      },
    );
    services.listSnapshots().then(
      (value) => setSnapshots({ value }),
      (e: Error) => {
        setSnapshots((old) => ({ value: old.value, error: e.message }));
        setMessage({ level: 'error', text: `snapshots: ${e.message}` });
      },
    );
  }, [services, setMessage]);

  useEffect(reload, [reload]);

  // When a backup ends: say how it went, then read coverage and snapshots again.
  useEffect(() => {
    let phase = store.getSnapshot().phase;
    return store.subscribe(() => {
      const s = store.getSnapshot();
      if (s.phase === phase) return;
      phase = s.phase;
      if (s.phase === 'done' && s.summary) {
        setMessage({ level: s.summary.status === 'complete' ? 'info' : 'warn', text: summaryHeadline(s.summary) });
        reload();
      } else if (s.phase === 'failed') {
        setMessage({ level: 'error', text: `backup failed: ${s.error}` });
        reload();
      }
    });
  }, [store, reload, setMessage]);

  const newest = snapshots.value ? ([...snapshots.value].sort((a, b) => Date.parse(b.time) - Date.parse(a.time))[0] ?? null) : undefined;
  return { inventory, snapshots, newest, reload };
}
