import { useCallback, useReducer } from 'react';
import type { KeyCommand } from '../../components/keys.ts';

// The cursor and scroll offset of a windowed list, as a pure function of the key command, the
// row count and the visible height; the hook keeps it in a reducer and re-clamps when rows or the
// terminal shrink.

export interface ListPosition {
  cursor: number;
  offset: number;
}

const STEP: Partial<Record<KeyCommand, (h: number) => number>> = {
  down: () => 1,
  up: () => -1,
  pageDown: (h) => h,
  pageUp: (h) => -h,
  halfDown: (h) => Math.max(1, Math.floor(h / 2)),
  halfUp: (h) => -Math.max(1, Math.floor(h / 2)),
};

/** How far a list command moves the cursor (top and bottom: all the way), or undefined when it is not a move. */
export function moveDelta(command: KeyCommand, height: number): number | undefined {
  if (command === 'top') return -Infinity;
  if (command === 'bottom') return Infinity;
  return STEP[command]?.(Math.max(1, height));
}

/** Keeps the cursor in [0, count) and inside the window [offset, offset + height). */
export function clampPosition(p: ListPosition, count: number, height: number): ListPosition {
  const h = Math.max(1, height);
  const cursor = count === 0 ? 0 : Math.max(0, Math.min(count - 1, p.cursor));
  let offset = Math.max(0, Math.min(p.offset, Math.max(0, count - h)));
  if (cursor < offset) offset = cursor;
  if (cursor >= offset + h) offset = cursor - h + 1;
  return { cursor, offset };
}

/** The position after a list command, or undefined when the command is not a move. */
export function navigate(p: ListPosition, command: KeyCommand, count: number, height: number): ListPosition | undefined {
  const h = Math.max(1, height);
  if (command === 'top') return clampPosition({ cursor: 0, offset: 0 }, count, h);
  if (command === 'bottom') return clampPosition({ cursor: count - 1, offset: count }, count, h);
  const step = STEP[command];
  if (!step) return undefined;
  const d = step(h);
  // Paging moves the window with the cursor, as less and vim do.
  const paging = Math.abs(d) > 1;
  return clampPosition({ cursor: p.cursor + d, offset: paging ? p.offset + d : p.offset }, count, h);
}

/** A windowed list's position; `handle` returns true when it used the command. */
export function useListNav(count: number, height: number) {
  const [pos, dispatch] = useReducer(
    (p: ListPosition, a: { command: KeyCommand; count: number; height: number } | { jump: number }) =>
      'jump' in a ? { cursor: a.jump, offset: Math.max(0, p.offset) } : navigate(p, a.command, a.count, a.height) ?? p,
    { cursor: 0, offset: 0 },
  );
  const handle = useCallback(
    (command: KeyCommand) => {
      if (!STEP[command] && command !== 'top' && command !== 'bottom') return false;
      dispatch({ command, count, height });
      return true;
    },
    [count, height],
  );
  /** Puts the cursor on a row (the window follows when it renders). */
  const jump = useCallback((index: number) => dispatch({ jump: index }), []);
  return { ...clampPosition(pos, count, height), handle, jump };
}
