import React from 'react';
import { Text } from 'ink';
import type { KeyBinding } from '../screens/keys.ts';
import type { Theme } from './theme.ts';

/** Key hints, from the same registry that binds the keys. */
export function Footer({ bindings, theme, width }: { bindings: KeyBinding[]; theme: Theme; width: number }) {
  const hints = bindings.filter((b) => b.hint).map((b) => `<${b.hint}> ${b.description.split(/[,(]/)[0]!.trim()}`);
  return (
    <Text color={theme.dim} wrap="truncate">
      {hints.join('  ').slice(0, width)}
    </Text>
  );
}
