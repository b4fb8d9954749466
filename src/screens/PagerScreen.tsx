import React, { useEffect, useState } from 'react';
import { Box, Text } from 'ink';
import { TitleBar } from '../components/Header.tsx';
import { Pager, scroll } from '../components/Pager.tsx';
import type { Theme } from '../components/theme.ts';
import { useCommandHandler, type CommandSlot } from './commandSlot.ts';

export interface PagerScreenProps {
  title: string;
  crumbs: string[];
  /** The text, or a promise of it (a manifest read from the repository). */
  load: () => string[] | Promise<string[]>;
  slot: CommandSlot;
  height: number;
  width: number;
  theme: Theme;
}

/** A screen of read-only text that scrolls with the list keys: the help, a snapshot's manifest. */
export function PagerScreen(p: PagerScreenProps) {
  const [lines, setLines] = useState<string[] | { error: string }>();
  const [top, setTop] = useState(0);
  useEffect(() => {
    let live = true;
    Promise.resolve()
      .then(p.load)
      .then(
        (l) => live && setLines(l),
        (e: Error) => live && setLines({ error: e?.message ?? String(e) }),
      );
    return () => {
      live = false;
    };
  }, [p.load]);
  const text = Array.isArray(lines) ? lines : [];
  useCommandHandler(p.slot, (command) => {
    const next = scroll(command, top, text.length, p.height - 2);
    if (next === undefined) return false;
    setTop(next);
    return true;
  });
  return (
    <Box flexDirection="column" height={p.height}>
      <TitleBar crumbs={p.crumbs} title={p.title} theme={p.theme} width={p.width} />
      {lines === undefined ? <Text>{`${p.theme.glyph.pending} reading...`}</Text> : null}
      {lines && !Array.isArray(lines) ? <Text color={p.theme.danger}>{`${p.theme.glyph.danger} could not read it: ${lines.error}`}</Text> : null}
      {Array.isArray(lines) ? <Pager lines={text} top={top} height={p.height - 1} width={p.width} theme={p.theme} /> : null}
    </Box>
  );
}
