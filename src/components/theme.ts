// Semantic colours and glyphs. Chalk ignores NO_COLOR, so the theme decides: with NO_COLOR
// (or --no-color) every colour is dropped, and meaning is always carried by a glyph or a word.

export interface Glyphs {
  ok: string;
  warn: string;
  danger: string;
  skip: string;
  pending: string;
  running: string;
  cursor: string;
  mark: string;
  barFull: string;
  barEmpty: string;
  rule: string;
}

export interface Theme {
  color: boolean;
  ok?: string;
  warn?: string;
  danger?: string;
  dim?: string;
  accent?: string;
  glyph: Glyphs;
}

// Single-width BMP glyphs only (emoji and "ambiguous" symbols misalign tables in some terminals).
const UNICODE: Glyphs = { ok: '✔', warn: '!', danger: '✖', skip: '○', pending: '…', running: '»', cursor: '>', mark: '●', barFull: '█', barEmpty: '·', rule: '─' };
const ASCII: Glyphs = { ok: 'OK', warn: '!', danger: 'X', skip: '-', pending: '..', running: '>', cursor: '>', mark: '*', barFull: '#', barEmpty: '.', rule: '-' };

export function makeTheme(opts: { noColor: boolean; ascii?: boolean }): Theme {
  const glyph = opts.ascii ? ASCII : UNICODE;
  if (opts.noColor) return { color: false, glyph };
  // Named ANSI colours only: they follow the user's palette, so light and dark terminals both work.
  return { color: true, ok: 'green', warn: 'yellow', danger: 'red', dim: 'gray', accent: 'cyan', glyph };
}

export function noColorRequested(env: NodeJS.ProcessEnv, flag = false): boolean {
  return flag || (env.NO_COLOR !== undefined && env.NO_COLOR !== '') || env.TERM === 'dumb' || env.FORCE_COLOR === '0';
}
