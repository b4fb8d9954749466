import React from 'react';
import { Box, Text } from 'ink';
import type { ProbeResult } from '../engine/environment/probe.ts';
import type { Theme } from '../components/theme.ts';

/** What lifeboat is connected to: each source, whether it answers, and what it is. */
export function ConnectionsScreen({ results, theme, width }: { results?: ProbeResult[]; theme: Theme; width: number }) {
  if (!results) return <Text>{`${theme.glyph.pending} checking sources...`}</Text>;
  if (results.length === 0) {
    return (
      <Box flexDirection="column">
        <Text>No sources configured.</Text>
        <Text>{"Name them in lifeboat.yaml, point --kubeconfig at a cluster, or run 'lifeboat lab up'."}</Text>
      </Box>
    );
  }
  return (
    <Box flexDirection="column">
      <Text bold>{'   KIND       NAME               ADDRESS'.padEnd(Math.min(width, 60))}</Text>
      {results.map((r, i) => {
        const status = r.ok ? `${theme.glyph.ok} up  ` : `${theme.glyph.danger} DOWN`;
        return (
          <Text key={i} wrap="truncate">
            <Text color={r.ok ? theme.ok : theme.danger}>{status}</Text>
            {` ${r.kind.padEnd(10)} ${r.name.padEnd(18)} ${r.address}  ${r.detail}`}
          </Text>
        );
      })}
    </Box>
  );
}
