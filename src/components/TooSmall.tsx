import React from 'react';
import { Box, Text } from 'ink';
import type { Theme } from './theme.ts';

export const MIN_SIZE = { columns: 80, rows: 20 };

export function tooSmall(columns: number, rows: number): boolean {
  return columns < MIN_SIZE.columns || rows < MIN_SIZE.rows;
}

/** btop-style: below the size the layout needs, say the current and the needed size, not a mangled frame. */
export function TooSmall({ columns, rows, theme }: { columns: number; rows: number; theme: Theme }) {
  const bad = (ok: boolean) => (ok ? theme.ok : theme.danger);
  return (
    <Box flexDirection="column">
      <Text bold>Terminal too small</Text>
      <Text>
        {'current: '}
        <Text color={bad(columns >= MIN_SIZE.columns)}>{`${columns} wide`}</Text>
        {' x '}
        <Text color={bad(rows >= MIN_SIZE.rows)}>{`${rows} high`}</Text>
      </Text>
      <Text>{`needed:  ${MIN_SIZE.columns} wide x ${MIN_SIZE.rows} high`}</Text>
      <Text color={theme.dim}>resize, or press q to quit</Text>
    </Box>
  );
}
