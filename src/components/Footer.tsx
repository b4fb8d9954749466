import React from 'react';
import { Text } from 'ink';
import { hintsFor, type KeyFacts, type Mode, type Scope } from '../screens/keys.ts';
import type { Theme } from './theme.ts';

/** Key hints for what is in front, from the same registry that binds the keys. */
export function Footer({ mode, scopes, facts, theme, width }: { mode: Mode; scopes: Scope[]; facts?: KeyFacts; theme: Theme; width: number }) {
  const hints = hintsFor(mode, scopes, facts);
  let line = '';
  for (const h of hints) {
    const next = line ? `${line} ${h}` : h;
    if (next.length > width) break;
    line = next;
  }
  return (
    <Text color={theme.dim} wrap="truncate">
      {line}
    </Text>
  );
}
