import React from 'react';
import { Box, Text } from 'ink';
import type { KeyBinding } from '../screens/keys.ts';

/** The `?` help, made from the key registry. */
export function HelpView({ bindings }: { bindings: KeyBinding[] }) {
  const groups = [...new Set(bindings.map((b) => b.group))];
  return (
    <Box flexDirection="column">
      <Text bold>Keys</Text>
      {groups.map((g) => (
        <Box key={g} flexDirection="column" marginTop={1}>
          <Text underline>{g}</Text>
          {bindings
            .filter((b) => b.group === g)
            .map((b) => (
              <Text key={b.command}>
                {`  ${b.keys.join(', ').padEnd(18)} ${b.description}`}
              </Text>
            ))}
        </Box>
      ))}
    </Box>
  );
}
