import React from 'react';
import { Text } from 'ink';
import type { Theme } from './theme.ts';

export interface Message {
  level: 'info' | 'warn' | 'error';
  text: string;
}

/** The one message line: errors say so in words, not only in red. */
export function StatusLine({ message, theme }: { message?: Message; theme: Theme }) {
  if (!message) return <Text> </Text>;
  const color = message.level === 'error' ? theme.danger : message.level === 'warn' ? theme.warn : undefined;
  const prefix = message.level === 'error' ? 'error: ' : message.level === 'warn' ? 'warning: ' : '';
  return (
    <Text color={color} wrap="truncate">
      {prefix}
      {message.text}
    </Text>
  );
}
