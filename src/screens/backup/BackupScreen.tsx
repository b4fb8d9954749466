import React from 'react';
import { Box, Text } from 'ink';
import { TitleBar } from '../../components/Header.tsx';
import { ProgressBar } from '../../components/ProgressBar.tsx';
import { fit } from '../../components/format.ts';
import type { Theme } from '../../components/theme.ts';
import type { BackupStore } from '../state/backupStore.ts';
import { useStore } from '../state/useStore.ts';
import { summaryHeight, SummaryView } from './SummaryView.tsx';

/**
 * A backup as it happens: one live bar per job (etcd, volumes, images, Kubernetes objects,
 * Prometheus, databases), the warnings as they come, and at the end the summary: per job ok or
 * failed with counts and sizes, partial or complete, and the snapshot id.
 */
export function BackupScreen({ store, crumbs, height, width, theme }: { store: BackupStore; crumbs: string[]; height: number; width: number; theme: Theme }) {
  const s = useStore(store);
  const finished = s.jobs.filter((j) => j.status !== 'running' && j.status !== 'pending').length;
  const title = s.phase === 'idle' ? 'backup' : `backup(${s.phase})[${finished}/${s.jobs.length} jobs done]`;
  const bodyHeight = height - 1;
  const main = (s.summary ? summaryHeight(s.summary) : s.jobs.length) + 1;
  const logRoom = Math.max(0, bodyHeight - main - 2);
  const log = s.log.slice(-logRoom);
  return (
    <Box flexDirection="column" height={height}>
      <TitleBar crumbs={crumbs} title={title} theme={theme} width={width} />
      {s.phase === 'idle' ? (
        <Box flexDirection="column">
          <Text>No backup has run in this session.</Text>
          <Text>Press b to back up everything, or mark items with space in :inventory first.</Text>
        </Box>
      ) : null}
      {s.summary ? (
        <SummaryView summary={s.summary} theme={theme} width={width} />
      ) : (
        s.jobs.map((j) => <ProgressBar key={j.id} job={j} width={width} theme={theme} />)
      )}
      {s.phase === 'running' && s.jobs.length === 0 ? <Text>{`${theme.glyph.pending} starting...`}</Text> : null}
      {s.phase === 'cancelling' ? <Text color={theme.warn}>{`${theme.glyph.warn} cancelling: stopping the running jobs...`}</Text> : null}
      {s.phase === 'failed' ? <Text color={theme.danger}>{`${theme.glyph.danger} the backup failed: ${s.error}`}</Text> : null}
      {s.log.length > 0 && logRoom > 0 ? (
        <Box flexDirection="column" marginTop={1}>
          <Text bold>{`Warnings (${s.log.length + s.dropped})`}</Text>
          {log.map((l, i) => (
            <Text key={i} color={theme.warn} wrap="truncate">
              {fit(`${theme.glyph.warn} ${l.level === 'retry' ? 'retry' : 'warning'} ${l.job}: ${l.message}`, width)}
            </Text>
          ))}
        </Box>
      ) : null}
    </Box>
  );
}
