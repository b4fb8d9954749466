import React from 'react';
import { Box, Text } from 'ink';
import type { Theme } from './theme.ts';

/** A question the shell asks before doing something that costs (a backup) or loses (a cancel). */
export interface Dialog {
  title: string;
  lines: string[];
  /** What "yes" does, in words: "back up", "cancel the backup". */
  yes: string;
  /** What "no" does. */
  no?: string;
  danger?: boolean;
  /** While false, the question no longer stands (the backup it would cancel has ended): the shell closes it. */
  relevant?(): boolean;
  /** Said on the message line when the shell closes it for that. */
  ended?: string;
  onConfirm(): void;
}

/**
 * Shown in place of the screen while open (Ink has no overlays); `y`/`enter` confirm and
 * `n`/`esc` leave it, so a stray ESC from a split escape sequence never does anything.
 */
export function ConfirmDialog({ dialog, theme, width }: { dialog: Dialog; theme: Theme; width: number }) {
  const color = dialog.danger ? theme.danger : theme.accent;
  return (
    <Box flexDirection="column" borderStyle={theme.glyph.rule === '-' ? 'classic' : 'round'} borderColor={color} paddingX={1} width={Math.min(width, 70)} alignSelf="center" marginTop={1}>
      <Text bold color={color}>
        {dialog.danger ? `${theme.glyph.warn} ` : ''}
        {dialog.title}
      </Text>
      {dialog.lines.map((l, i) => (
        <Text key={i} wrap="truncate">
          {l}
        </Text>
      ))}
      <Text> </Text>
      <Text>{`[y] ${dialog.yes}    [n] ${dialog.no ?? 'no, leave it'}`}</Text>
    </Box>
  );
}
