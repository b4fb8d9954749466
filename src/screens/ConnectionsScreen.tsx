import React, { useEffect, useState } from 'react';
import { Box, Text } from 'ink';
import type { ProbeResult } from '../engine/environment/probe.ts';
import { TitleBar } from '../components/Header.tsx';
import type { Theme } from '../components/theme.ts';

/** What lifeboat is connected to: each source, whether it answers, and what it is (`:sources`). */
export function ConnectionsScreen({ probe, crumbs, theme, width }: { probe: () => Promise<ProbeResult[]>; crumbs: string[]; theme: Theme; width: number }) {
  const [results, setResults] = useState<ProbeResult[] | { error: string }>();
  useEffect(() => {
    let live = true;
    probe().then(
      (r) => live && setResults(r),
      (e: Error) => live && setResults({ error: e.message }),
    );
    return () => {
      live = false;
    };
  }, [probe]);
  const down = Array.isArray(results) ? results.filter((x) => !x.ok).length : 0;
  const title = Array.isArray(results) ? `sources[${results.length}]${down ? ` ${down} of ${results.length} sources do not answer` : ' all answer'}` : 'sources';
  return (
    <Box flexDirection="column">
      <TitleBar crumbs={crumbs} title={title} theme={theme} width={width} />
      <SourcesBody results={results} theme={theme} width={width} />
    </Box>
  );
}

function SourcesBody({ results, theme, width }: { results?: ProbeResult[] | { error: string }; theme: Theme; width: number }) {
  if (!results) return <Text>{`${theme.glyph.pending} checking sources...`}</Text>;
  if (!Array.isArray(results)) return <Text color={theme.danger}>{`${theme.glyph.danger} could not check the sources: ${results.error}`}</Text>;
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
