import React from 'react';
import { Box, Text } from 'ink';
import { fit, formatBytes, plural } from '../../components/format.ts';
import type { Theme } from '../../components/theme.ts';
import type { BackupSummary, JobOutcome } from '../services.ts';

const WORD: Record<JobOutcome['status'], { word: string; glyph: 'ok' | 'danger' | 'warn'; level: 'ok' | 'danger' | 'warn' }> = {
  ok: { word: 'ok', glyph: 'ok', level: 'ok' },
  failed: { word: 'FAILED', glyph: 'danger', level: 'danger' },
  cancelled: { word: 'cancelled', glyph: 'warn', level: 'warn' },
};

/** The first line of a finished backup, in words: complete or partial, and which snapshot. */
export function summaryHeadline(s: BackupSummary): string {
  const bad = s.jobs.filter((j) => j.status !== 'ok').length;
  const snap = s.snapshotId ? `snapshot ${s.snapshotId.slice(0, 8)}` : 'no snapshot written';
  if (s.status === 'complete') return `backup COMPLETE: ${snap}, ${plural(s.jobs.length, 'job')} ok`;
  if (s.status === 'failed') return `backup FAILED: no job captured anything; ${snap}`;
  return `backup PARTIAL: ${bad} of ${plural(s.jobs.length, 'job')} not ok; ${snap}`;
}

/** Lines the summary takes: the headline, one per job, one more per failed job's error. */
export function summaryHeight(s: BackupSummary): number {
  return 1 + s.jobs.length + s.jobs.filter((j) => j.error && j.status === 'failed').length;
}

/** Per job: ok, failed or cancelled, with items, bytes, skipped and warnings, and the error. */
export function SummaryView({ summary, theme, width }: { summary: BackupSummary; theme: Theme; width: number }) {
  const headColor = summary.status === 'complete' ? theme.ok : summary.status === 'failed' ? theme.danger : theme.warn;
  return (
    <Box flexDirection="column">
      <Text bold color={headColor} wrap="truncate">
        {`${summary.status === 'complete' ? theme.glyph.ok : summary.status === 'failed' ? theme.glyph.danger : theme.glyph.warn} ${summaryHeadline(summary)}`}
      </Text>
      {summary.jobs.map((j) => {
        const w = WORD[j.status];
        const extra = [j.skipped ? `${j.skipped} skipped` : '', j.warnings ? plural(j.warnings, 'warning') : ''].filter(Boolean).join(', ');
        const line = `${fit(theme.glyph[w.glyph], 2)}${fit(w.word, 9)} ${fit(j.title, 18)} ${fit(plural(j.items, 'item'), 11)} ${formatBytes(j.bytes).padStart(9)}  ${extra}`;
        return (
          <Box key={j.job} flexDirection="column">
            <Text color={theme[w.level]} wrap="truncate">{fit(line, width)}</Text>
            {j.error && j.status === 'failed' ? <Text color={theme[w.level]} wrap="truncate">{fit(`             why: ${j.error}`, width)}</Text> : null}
          </Box>
        );
      })}
    </Box>
  );
}
