import React from 'react';
import { Box, Text } from 'ink';
import { keyOf, type KeyCommand } from './keys.ts';
import { fit } from './format.ts';
import type { Theme } from './theme.ts';

// A read-only scrollable text (the help, a snapshot's manifest): only the lines in view are
// rendered, and the last line says where you are, like less.

const STEPS: Partial<Record<KeyCommand, (h: number, max: number, at: number) => number>> = {
  down: (_h, _m, at) => at + 1,
  up: (_h, _m, at) => at - 1,
  pageDown: (h, _m, at) => at + h,
  pageUp: (h, _m, at) => at - h,
  halfDown: (h, _m, at) => at + Math.ceil(h / 2),
  halfUp: (h, _m, at) => at - Math.ceil(h / 2),
  top: () => 0,
  bottom: (_h, max) => max,
};

/** The new top line after a scroll command, or undefined when the command is not a scroll. */
export function scroll(command: KeyCommand, top: number, lines: number, height: number): number | undefined {
  const step = STEPS[command];
  if (!step) return undefined;
  const max = Math.max(0, lines - height);
  return Math.max(0, Math.min(max, step(height, max, top)));
}

/** `height` includes the position line. */
export function Pager({ lines, top, height, width, theme }: { lines: string[]; top: number; height: number; width: number; theme: Theme }) {
  const h = Math.max(1, height - 1);
  const end = Math.min(lines.length, top + h);
  const where = lines.length <= h ? `${lines.length} lines` : `lines ${top + 1}-${end} of ${lines.length}${end < lines.length ? ` (${keyOf('down', 'list')}/${keyOf('up', 'list')}, ${keyOf('pageDown', 'list')}/${keyOf('pageUp', 'list')})` : ' (end)'}`;
  return (
    <Box flexDirection="column">
      {lines.slice(top, end).map((l, i) => (
        <Text key={top + i} wrap="truncate">
          {fit(l, width)}
        </Text>
      ))}
      <Text color={theme.dim}>{where}</Text>
    </Box>
  );
}
