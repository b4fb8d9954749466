import React, { useEffect, useMemo, useState } from 'react';
import { Box, Text } from 'ink';
import { TitleBar } from '../../components/Header.tsx';
import { formatAge, formatBytes } from '../../components/format.ts';
import { keyOf } from '../../components/keys.ts';
import { Table, type Column } from '../../components/Table.tsx';
import type { Theme } from '../../components/theme.ts';
import { useCommandHandler, type CommandSlot } from '../commandSlot.ts';
import { useClock } from '../clock.ts';
import type { ScheduleRow, ScheduleServices } from '../services.ts';
import { useListNav } from '../state/listNav.ts';

export interface SchedulesScreenProps {
  schedules?: ScheduleServices;
  /** How often the list is read again (the running runs' progress), in ms. */
  refreshMs?: number;
  crumbs: string[];
  slot: CommandSlot;
  height: number;
  width: number;
  theme: Theme;
}

/** The in-cluster schedules (`:schedules`): last run, next run, and the runs going on, per node. */
export function SchedulesScreen(p: SchedulesScreenProps) {
  const { theme } = p;
  const [rows, setRows] = useState<ScheduleRow[]>();
  const [error, setError] = useState<string>();
  const [note, setNote] = useState<string>();
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!p.schedules) return;
    let live = true;
    p.schedules.list().then(
      (r) => live && (setRows(r), setError(undefined)),
      (e: Error) => live && setError(e.message),
    );
    const t = setTimeout(() => live && setTick((n) => n + 1), p.refreshMs ?? 2000);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [p.schedules, p.refreshMs, tick]);
  const list = rows ?? [];
  const running = list.flatMap((s) => s.running.map((r) => ({ schedule: s.name, ...r })));
  const tableHeight = Math.max(1, p.height - 3 - running.reduce((n, r) => n + 1 + r.nodes.length, 0));
  const nav = useListNav(list.length, tableHeight);
  const now = useClock();
  const columns = useMemo(() => scheduleColumns(theme, now), [theme, now]);
  useCommandHandler(p.slot, (command) => {
    if (command === 'runNow') {
      const s = list[nav.cursor];
      if (s && p.schedules) {
        setNote(`starting a run of ${s.name}...`);
        p.schedules.runNow(s.name).then(
          (job) => (setNote(`run ${job} of ${s.name} started`), setTick((n) => n + 1)),
          (e: Error) => setNote(`could not start a run of ${s.name}: ${e.message}`),
        );
      }
      return true;
    }
    return nav.handle(command);
  });
  const title = `schedules[${list.length}]${p.schedules ? ` ${p.schedules.namespace}` : ''}${running.length ? ` ${running.length} running` : ''}`;
  return (
    <Box flexDirection="column" height={p.height}>
      <TitleBar crumbs={p.crumbs} title={title} theme={theme} width={p.width} />
      {!p.schedules ? (
        <Text>{"No cluster: schedules live in a cluster where 'lifeboat install' ran."}</Text>
      ) : !rows ? (
        <Text>{error ? `could not list the schedules: ${error}` : `${theme.glyph.pending} listing the schedules...`}</Text>
      ) : (
        <Table
          rows={list}
          columns={columns}
          cursor={nav.cursor}
          offset={nav.offset}
          height={tableHeight}
          width={p.width}
          theme={theme}
          rowKey={(s) => s.name}
          color={(s) => (s.lastRun?.status === 'failed' ? theme.danger : s.lastRun?.status === 'partial' ? theme.warn : undefined)}
          empty={`no schedules in ${p.schedules.namespace}: make one with lifeboat schedule create NAME --cron "0 2 * * *"`}
        />
      )}
      {running.map((r) => (
        <Box key={r.job} flexDirection="column">
          <Text wrap="truncate">{`${theme.glyph.pending} ${r.schedule}: ${r.job} running for ${r.startTime ? formatAge(now() - Date.parse(r.startTime)).replace(/ ago$/, '') : '?'}`}</Text>
          {r.nodes.map((n) => (
            <Text key={n.node} wrap="truncate">{`    ${n.node.padEnd(16)} ${n.phase.padEnd(9)} ${formatBytes(n.bytesDone)}${n.bytesTotal ? ` of ${formatBytes(n.bytesTotal)}` : ''}`}</Text>
          ))}
        </Box>
      ))}
      <Text wrap="truncate" color={error && rows ? theme.danger : undefined}>{error && rows ? `could not read the schedules again: ${error}` : (note ?? (list.length ? `${keyOf('runNow', 'schedules')} runs the schedule under the cursor now` : ''))}</Text>
    </Box>
  );
}

function statusCell(s: ScheduleRow, theme: Theme): string {
  const r = s.lastRun;
  if (!r) return s.running.length ? `${theme.glyph.pending} running` : '-';
  if (r.status === 'complete') return `${theme.glyph.ok} complete`;
  return `${r.status === 'partial' ? theme.glyph.warn : theme.glyph.danger} ${r.status.toUpperCase()}`;
}

function scheduleColumns(theme: Theme, now: () => number): Column<ScheduleRow>[] {
  return [
    { title: 'schedule', cell: (s) => s.name },
    { title: 'cron', cell: (s) => s.cron },
    { title: 'last run', cell: (s) => statusCell(s, theme) },
    { title: 'age', cell: (s) => (s.lastRun?.completionTime ? formatAge(now() - Date.parse(s.lastRun.completionTime)) : '-') },
    { title: 'size', cell: (s) => formatBytes(s.lastRun?.bytes) },
    { title: 'next run', cell: (s) => (s.suspended ? 'suspended' : s.nextRun ? `in ${formatAge(Date.parse(s.nextRun) - now()).replace(/ ago$/, '')}` : '-') },
    { title: 'why', cell: (s) => (s.lastRun && s.lastRun.status !== 'complete' ? (s.lastRun.message ?? '') : ''), flex: true },
  ];
}
