import React, { useMemo, useRef, useState } from 'react';
import { Box, Text } from 'ink';
import type { Inventory } from '../../engine/inventory/types.ts';
import { TitleBar } from '../../components/Header.tsx';
import { formatCount } from '../../components/format.ts';
import { Table, type Column } from '../../components/Table.tsx';
import type { Theme } from '../../components/theme.ts';
import { useClock } from '../clock.ts';
import { useCommandHandler, type CommandSlot } from '../commandSlot.ts';
import { useListNav } from '../state/listNav.ts';
import { DetailsPane, DETAILS_HEIGHT } from './DetailsPane.tsx';
import { inventoryRows, verdictCounts, visibleRows, type InventoryRow } from './rows.ts';
import { keyOf } from '../../components/keys.ts';

export interface InventoryScreenProps {
  inventory?: Inventory;
  error?: string;
  marks: ReadonlySet<string>;
  onMark(id: string): void;
  filter: string;
  crumbs: string[];
  slot: CommandSlot;
  height: number;
  width: number;
  theme: Theme;
}

/**
 * What needs a backup, what is covered, what is at risk and what can be skipped, grouped by
 * namespace and kind, then Docker, etcd, registries, databases and Prometheus. Windowed, so
 * 20,000 items cost what a screenful costs; the pane below says why for the row under the cursor.
 */
export function InventoryScreen(p: InventoryScreenProps) {
  const { theme } = p;
  const [hideSkippable, setHideSkippable] = useState(false);
  const now = useClock();
  const all = useMemo(() => inventoryRows(p.inventory?.items ?? [], now()), [p.inventory, now]);
  const rows = useMemo(() => visibleRows(all, { hideSkippable, filter: p.filter }), [all, hideSkippable, p.filter]);
  const tableHeight = Math.max(1, p.height - 2 - DETAILS_HEIGHT);
  const nav = useListNav(rows.length, tableHeight);
  const columns = useMemo(() => inventoryColumns(theme), [theme]);
  // When the filter or the toggle changes the rows, the cursor stays on the item it was on
  // (decided during render, so a key pressed right after cannot race an effect).
  const last = useRef({ rows, id: undefined as string | undefined });
  if (last.current.rows !== rows) {
    const at = last.current.id ? rows.findIndex((r) => r.item.id === last.current.id) : -1;
    last.current.rows = rows;
    if (Math.max(0, at) !== nav.cursor) nav.jump(Math.max(0, at));
  }
  last.current.id = rows[nav.cursor]?.item.id;

  useCommandHandler(p.slot, (command) => {
    if (command === 'toggleSkippable') {
      setHideSkippable((h) => !h);
      return true;
    }
    if (command === 'mark') {
      const row = rows[nav.cursor];
      if (row) p.onMark(row.item.id);
      if (row) nav.handle('down');
      return true;
    }
    return nav.handle(command);
  });

  const scope = hideSkippable ? 'no skippable' : 'all';
  const title = `inventory(${scope})[${formatCount(rows.length)}]${p.filter ? ` </${p.filter}>` : ''}${p.marks.size ? ` ${p.marks.size} marked` : ''}`;
  const counts = useMemo(() => verdictCounts(all), [all]);
  const summary = `${formatCount(counts['needs-backup'])} need backup · ${formatCount(counts['at-risk'])} at risk · ${formatCount(counts.skippable)} skippable`;
  return (
    <Box flexDirection="column" height={p.height}>
      <TitleBar crumbs={p.crumbs} title={title} theme={theme} width={p.width} />
      {!p.inventory ? (
        <Text>{p.error ? `could not read the inventory: ${p.error}` : `${theme.glyph.pending} reading the inventory...`}</Text>
      ) : (
        <>
          <Box height={tableHeight + 1} flexDirection="column">
            <Table
              rows={rows}
              columns={columns}
              cursor={nav.cursor}
              offset={nav.offset}
              height={tableHeight}
              width={p.width}
              theme={theme}
              rowKey={(r) => r.item.id}
              marked={(r) => p.marks.has(r.item.id)}
              color={(r) => theme[r.level]}
              empty={p.filter ? `nothing matches /${p.filter} (${keyOf('back', 'global')} clears the filter)` : 'nothing found'}
            />
          </Box>
          <DetailsPane now={now()} row={rows[nav.cursor]} summary={summary} theme={theme} width={p.width} />
        </>
      )}
    </Box>
  );
}

function inventoryColumns(theme: Theme): Column<InventoryRow>[] {
  return [
    { title: 'verdict', cell: (r) => `${theme.glyph[r.glyph]} ${r.verdict}` },
    { title: 'group', cell: (r) => r.item.group, max: 12 },
    { title: 'kind', cell: (r) => r.item.kind, max: 12 },
    { title: 'name', cell: (r) => r.item.name, max: 22 },
    { title: 'coverage / reason', cell: (r) => r.note, flex: true },
  ];
}
