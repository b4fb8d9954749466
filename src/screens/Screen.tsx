import React, { useCallback, useLayoutEffect } from 'react';
import { helpLines } from '../components/help.ts';
import type { Theme } from '../components/theme.ts';
import { BackupScreen } from './backup/BackupScreen.tsx';
import { BackupsScreen } from './backups/BackupsScreen.tsx';
import type { CommandSlot } from './commandSlot.ts';
import { ConnectionsScreen } from './ConnectionsScreen.tsx';
import { InventoryScreen } from './inventory/InventoryScreen.tsx';
import { PagerScreen } from './PagerScreen.tsx';
import type { View } from './router.ts';
import type { TuiServices } from './services.ts';
import { RestoreScreen } from './restore/RestoreScreen.tsx';
import { SchedulesScreen } from './schedules/SchedulesScreen.tsx';
import type { BackupStore } from './state/backupStore.ts';
import type { RestoreWizard } from './state/restoreStore.ts';
import type { useAppData } from './useAppData.ts';

export interface ScreenProps {
  view: View;
  crumbs: string[];
  services: TuiServices;
  store: BackupStore;
  wizard: RestoreWizard;
  data: ReturnType<typeof useAppData>;
  marks: ReadonlySet<string>;
  onMark(id: string): void;
  filter: string;
  go(v: View): void;
  slot: CommandSlot;
  height: number;
  width: number;
  theme: Theme;
}

/** The router's switch: which screen is in front, with what it needs. */
export function Screen(p: ScreenProps) {
  const { view, crumbs, slot, height, width, theme } = p;
  const common = { crumbs, slot, height, width, theme };
  const id = view.screen === 'manifest' ? view.id : '';
  const loadManifest = useCallback(
    () => p.services.readManifest(id).then((m) => JSON.stringify(m, null, 2).split('\n')),
    [p.services, id],
  );
  const restoreOn = view.screen === 'restore' ? view.snapshot : undefined;
  // Opening the wizard (again): afresh after a report, else where it was left.
  useLayoutEffect(() => {
    if (view.screen === 'restore') p.wizard.open(restoreOn);
  }, [view, restoreOn, p.wizard]);
  switch (view.screen) {
    case 'inventory':
      return <InventoryScreen {...common} inventory={p.data.inventory.value} error={p.data.inventory.error} marks={p.marks} onMark={p.onMark} filter={p.filter} />;
    case 'backup':
      return <BackupScreen store={p.store} crumbs={crumbs} height={height} width={width} theme={theme} />;
    case 'backups':
      return (
        <BackupsScreen {...common} snapshots={p.data.snapshots.value} error={p.data.snapshots.error} filter={p.filter}
          onOpen={(s) => p.go({ screen: 'manifest', id: s.id, shortId: s.shortId })}
          onRestore={(s) => p.go({ screen: 'restore', snapshot: s.id })} />
      );
    case 'manifest':
      return <PagerScreen key={id} {...common} title={`manifest(${view.shortId}) /lifeboat/manifest.json`} load={loadManifest} />;
    case 'help':
      return <PagerScreen {...common} title="help: keys and commands" load={helpLines} />;
    case 'restore':
      return <RestoreScreen wizard={p.wizard} {...common} />;
    case 'schedules':
      return <SchedulesScreen {...common} schedules={p.services.schedules} />;
    case 'sources':
      return <ConnectionsScreen probe={p.services.probe} crumbs={crumbs} theme={theme} width={width} />;
  }
}
