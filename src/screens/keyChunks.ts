import type { InkKey } from './keys.ts';

/** One key of a chunk, as Ink would have given it had it come alone. */
export interface ChunkKey {
  input: string;
  key: InkKey;
}

/**
 * Ink hands a run of plain keys that arrive together (fast typing, a paste, a laggy SSH link)
 * to useInput as one string: ":quit\r". Split back into keys, each can open the prompt or dialog
 * the next one goes to. Escape sequences come apart already in Ink, one per call.
 */
export function splitChunk(input: string, key: InkKey): ChunkKey[] {
  const chars = [...input];
  if (chars.length <= 1 || input.includes('\u001b')) return [{ input, key }];
  return chars.map((c): ChunkKey => {
    if (c === '\r' || c === '\n') return { input: '', key: { return: true } };
    if (c === '\t') return { input: '', key: { tab: true } };
    if (c === '\u007f' || c === '\b') return { input: '', key: { backspace: true } };
    const code = c.codePointAt(0)!;
    if (code < 0x20) return { input: String.fromCharCode(code + 0x60), key: { ctrl: true } };
    return { input: c, key: {} };
  });
}
