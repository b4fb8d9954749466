// Plain-text tables of the headless commands (`snapshots`, `schedule list`): each column as wide as
// its widest cell plus two spaces, the last one left as it is.

/** The lines of `rows` (a header row first), aligned in columns. */
export function alignColumns(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]! + 2))).join('').trimEnd());
}
