import React from 'react';
import { Box, Text } from 'ink';
import type { CoverageFigure } from '../engine/inventory/types.ts';
import type { SnapshotSummary } from '../screens/services.ts';
import { fit, formatAge, formatPercent } from './format.ts';
import type { Theme } from './theme.ts';

/** What the header knows; undefined fields are still loading (or failed, said on the message line). */
export interface HeaderFacts {
  context?: string;
  repository?: string;
  newest?: SnapshotSummary | null;
  coverage?: CoverageFigure;
  /** Sources that could not be seen at all: the figure says nothing of what they hold. */
  unknown?: string[];
  now: number;
}

function coverageText(c: CoverageFigure | undefined, unknown: string[] = []): string {
  if (!c) return 'coverage …';
  const of = unknown.length ? `; unknown for ${unknown.join(', ')}` : '';
  if (c.total === 0) return `coverage: nothing that needs a backup found${of}`;
  const stale = c.stale ? `, ${c.stale} stale` : '';
  return `coverage ${formatPercent(c.ratio)} (${c.covered}/${c.total}${stale})${of}`;
}

function newestText(n: SnapshotSummary | null | undefined, now: number): string {
  if (n === undefined) return 'newest backup …';
  if (n === null) return 'newest backup: none yet';
  return `newest backup ${n.shortId} ${formatAge(now - Date.parse(n.time))}${n.status === 'partial' ? ' (partial)' : ''}`;
}

/**
 * Two lines answering "where am I and am I safe": cluster context and repository, then the newest
 * backup's age and the coverage figure. Coverage under 100% says so in the number, not by colour.
 */
export function Header({ facts, theme, width }: { facts: HeaderFacts; theme: Theme; width: number }) {
  const c = facts.coverage;
  const level = !c ? undefined : c.ratio >= 1 && !c.stale && !facts.unknown?.length ? theme.ok : theme.warn;
  const where = `  context ${facts.context ?? '(no cluster)'}  repo ${facts.repository ?? '(none configured)'}`;
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        <Text bold color={theme.accent}>lifeboat</Text>
        {fit(where, width - 8)}
      </Text>
      <Text wrap="truncate">
        {`${newestText(facts.newest, facts.now)}  `}
        <Text color={level}>{coverageText(c, facts.unknown)}</Text>
      </Text>
    </Box>
  );
}

/** The k9s-style title of the screen in front, e.g. `inventory(all)[1,234] </needs>`, in a rule. */
export function TitleBar({ crumbs, title, theme, width }: { crumbs: string[]; title: string; theme: Theme; width: number }) {
  const r = theme.glyph.rule;
  const path = [...crumbs, ''].join(` ${theme.glyph.cursor} `);
  const text = `${r}${r} ${path}${title} `;
  return (
    <Text wrap="truncate" color={theme.accent}>
      {text.length >= width ? text.slice(0, width) : text + r.repeat(width - text.length)}
    </Text>
  );
}
