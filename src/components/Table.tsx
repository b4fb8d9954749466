import React, { useMemo } from 'react';
import { Box, Text } from 'ink';
import { fit } from './format.ts';
import type { Theme } from './theme.ts';

// A windowed table: only the rows in view are rendered, each as one pre-padded <Text> string
// (one Box per cell costs ~20x more per key press in Ink). Column widths are measured once per
// data change, not per frame. The cursor row is inverse and marked `>`, so it shows without colour.

export interface Column<T> {
  title: string;
  cell(row: T): string;
  /** Takes the width the other columns leave (one column should). */
  flex?: boolean;
  /** Caps a measured column. */
  max?: number;
}

export interface TableProps<T> {
  rows: readonly T[];
  columns: readonly Column<T>[];
  cursor: number;
  offset: number;
  /** Visible data rows (the header line is extra). */
  height: number;
  width: number;
  theme: Theme;
  rowKey(row: T): string;
  marked?(row: T): boolean;
  color?(row: T): string | undefined;
  empty?: string;
}

/** Widths for every column within `width`, the flex column taking what is left. */
export function columnWidths<T>(rows: readonly T[], columns: readonly Column<T>[], width: number): number[] {
  const widths = columns.map((c) => {
    if (c.flex) return 0;
    let w = c.title.length;
    for (const r of rows) w = Math.max(w, c.cell(r).length);
    return Math.min(w, c.max ?? w);
  });
  const used = 3 + widths.reduce((a, b) => a + b, 0) + (columns.length - 1);
  const flex = columns.findIndex((c) => c.flex);
  if (flex >= 0) widths[flex] = Math.max(4, width - used);
  return widths;
}

export function Table<T>(props: TableProps<T>) {
  const { rows, columns, cursor, offset, height, width, theme } = props;
  const widths = useMemo(() => columnWidths(rows, columns, width), [rows, columns, width]);
  const line = (cells: string[]) => cells.map((c, i) => fit(c, widths[i]!)).join(' ');
  const visible = rows.slice(offset, offset + height);
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">{fit(`   ${line(columns.map((c) => c.title.toUpperCase()))}`, width)}</Text>
      {rows.length === 0 ? <Text color={theme.dim}>{`   ${props.empty ?? '(nothing here)'}`}</Text> : null}
      {visible.map((row, i) => {
        const at = offset + i === cursor;
        const mark = props.marked?.(row) ? theme.glyph.mark : ' ';
        const text = fit(`${at ? theme.glyph.cursor : ' '}${mark} ${line(columns.map((c) => c.cell(row)))}`, width);
        return (
          <Text key={props.rowKey(row)} inverse={at} color={props.color?.(row)} wrap="truncate">
            {text}
          </Text>
        );
      })}
    </Box>
  );
}
