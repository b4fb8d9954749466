import React from 'react';
import { Box, Text } from 'ink';
import { fit } from '../../components/format.ts';
import type { Theme } from '../../components/theme.ts';
import { coverageNote, type InventoryRow } from './rows.ts';

export const DETAILS_HEIGHT = 4;

/**
 * Why, for the row under the cursor: the verdict with its reason in full, then coverage and the
 * source that captures it. A fixed height, so moving the cursor never shifts the table.
 */
export function DetailsPane({ row, summary, now, theme, width }: { row?: InventoryRow; summary: string; now: number; theme: Theme; width: number }) {
  const r = theme.glyph.rule;
  const rule = `${r}${r} why ${r.repeat(Math.max(0, width - summary.length - 9))} ${summary} ${r}`;
  const lines: string[] = [];
  if (row) {
    const item = row.item;
    const where = item.namespace ? `${item.namespace}/${item.name}` : item.name;
    lines.push(`${theme.glyph[row.glyph]} ${row.verdict}: ${item.kind} ${where}`);
    lines.push(`  why: ${item.reason}`);
    const source = item.source ? `captured by the ${item.source} job` : 'no backup job captures it';
    const details = Object.entries(item.details ?? {}).map(([k, v]) => ` · ${k}=${v}`).join('');
    lines.push(`  ${item.verdict === 'skippable' ? 'not backed up on purpose' : coverageNote(item, now)} · ${source}${details}`);
  }
  return (
    <Box flexDirection="column" height={DETAILS_HEIGHT}>
      <Text color={theme.dim} wrap="truncate">{fit(rule, width)}</Text>
      {lines.map((l, i) => (
        <Text key={i} wrap="truncate" color={i === 0 ? theme[row!.level] : undefined}>
          {fit(l, width)}
        </Text>
      ))}
    </Box>
  );
}
