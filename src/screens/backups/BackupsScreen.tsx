import React, { useMemo } from 'react';
import { Box, Text } from 'ink';
import { TitleBar } from '../../components/Header.tsx';
import { formatAge, formatBytes, formatTime } from '../../components/format.ts';
import { Table, type Column } from '../../components/Table.tsx';
import type { Theme } from '../../components/theme.ts';
import { useCommandHandler, type CommandSlot } from '../commandSlot.ts';
import { useClock } from '../clock.ts';
import type { SnapshotSummary } from '../services.ts';
import { useListNav } from '../state/listNav.ts';
import { keyOf } from '../../components/keys.ts';

export interface BackupsScreenProps {
  snapshots?: SnapshotSummary[];
  error?: string;
  filter: string;
  onOpen(s: SnapshotSummary): void;
  /** Opens the restore wizard on it. */
  onRestore(s: SnapshotSummary): void;
  crumbs: string[];
  slot: CommandSlot;
  height: number;
  width: number;
  theme: Theme;
}

/** The snapshots in the repository, newest first: when, which, what it holds, how big, whole or partial. */
export function BackupsScreen(p: BackupsScreenProps) {
  const { theme } = p;
  const rows = useMemo(() => {
    const words = p.filter.toLowerCase().split(/\s+/).filter(Boolean);
    const sorted = [...(p.snapshots ?? [])].sort((a, b) => Date.parse(b.time) - Date.parse(a.time));
    return words.length ? sorted.filter((s) => words.every((w) => searchText(s).includes(w))) : sorted;
  }, [p.snapshots, p.filter]);
  const tableHeight = Math.max(1, p.height - 2);
  const nav = useListNav(rows.length, tableHeight);
  const now = useClock();
  const columns = useMemo(() => snapshotColumns(theme, now), [theme, now]);
  useCommandHandler(p.slot, (command) => {
    if (command === 'open' || command === 'restore') {
      const s = rows[nav.cursor];
      if (s) (command === 'open' ? p.onOpen : p.onRestore)(s);
      return true;
    }
    return nav.handle(command);
  });
  const title = `backups[${rows.length}]${p.filter ? ` </${p.filter}>` : ''}`;
  return (
    <Box flexDirection="column" height={p.height}>
      <TitleBar crumbs={p.crumbs} title={title} theme={theme} width={p.width} />
      {!p.snapshots ? (
        <Text>{p.error ? `could not list the snapshots: ${p.error}` : `${theme.glyph.pending} listing the snapshots...`}</Text>
      ) : (
        <Table
          rows={rows}
          columns={columns}
          cursor={nav.cursor}
          offset={nav.offset}
          height={tableHeight}
          width={p.width}
          theme={theme}
          rowKey={(s) => s.id}
          color={(s) => (s.status === 'partial' ? theme.warn : undefined)}
          empty={p.filter ? `no snapshot matches /${p.filter}` : `no snapshots yet: press ${keyOf('backup', 'global')} to back up`}
        />
      )}
    </Box>
  );
}

function searchText(s: SnapshotSummary): string {
  return `${s.shortId} ${s.time} ${s.status} ${s.sources.join(' ')} ${s.tags.join(' ')} ${s.hostname ?? ''}`.toLowerCase();
}

function snapshotColumns(theme: Theme, now: () => number): Column<SnapshotSummary>[] {
  return [
    { title: 'time', cell: (s) => formatTime(s.time).slice(5) }, // MM-DD HH:MM; the age column gives the rest
    { title: 'age', cell: (s) => formatAge(now() - Date.parse(s.time)) },
    { title: 'id', cell: (s) => s.shortId },
    { title: 'status', cell: (s) => (s.status === 'complete' ? `${theme.glyph.ok} complete` : `${theme.glyph.warn} PARTIAL`) },
    { title: 'size', cell: (s) => formatBytes(s.bytes) },
    { title: 'tags', cell: (s) => s.tags.join(','), max: 14 },
    { title: 'sources', cell: (s) => s.sources.join(','), flex: true },
  ];
}
