// One registry of keys: it drives the bindings, the footer hints and the `?` help, so the three
// can never disagree.

export type KeyCommand = 'quit' | 'help' | 'back' | 'refresh';

export interface KeyBinding {
  command: KeyCommand;
  /** Key names as `matchKey` understands them: a printable character or a named key. */
  keys: string[];
  description: string;
  group: 'general' | 'navigation';
  /** Shown in the footer (short hints only for the most used keys). */
  hint?: string;
}

export const KEY_BINDINGS: KeyBinding[] = [
  { command: 'help', keys: ['?'], description: 'show or hide this help', group: 'general', hint: '?' },
  { command: 'back', keys: ['escape'], description: 'go back, close a dialog', group: 'general', hint: 'esc' },
  { command: 'refresh', keys: ['ctrl-r'], description: 'check the sources again', group: 'general', hint: 'ctrl-r' },
  { command: 'quit', keys: ['q', 'ctrl-c'], description: 'quit lifeboat', group: 'general', hint: 'q' },
];

/** What Ink's useInput gives us, reduced to what we match on. */
export interface InkKey {
  upArrow?: boolean;
  downArrow?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  home?: boolean;
  end?: boolean;
  escape?: boolean;
  return?: boolean;
  ctrl?: boolean;
  meta?: boolean;
  backspace?: boolean;
  delete?: boolean;
  tab?: boolean;
}

/** The name of a key press, e.g. 'j', 'G', 'down', 'ctrl-c', 'escape'. */
export function keyName(input: string, key: InkKey): string {
  if (key.escape) return 'escape'; // Ink 6 also sets key.meta for a bare ESC
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.pageUp) return 'pageup';
  if (key.pageDown) return 'pagedown';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.return) return 'enter';
  if (key.tab) return 'tab';
  if (key.backspace || key.delete) return 'backspace';
  if (key.ctrl && input) return `ctrl-${input.toLowerCase()}`;
  return input;
}

export function commandFor(name: string, bindings: KeyBinding[] = KEY_BINDINGS): KeyCommand | undefined {
  return bindings.find((b) => b.keys.includes(name))?.command;
}
