// One registry of keys: it drives the bindings, the footer hints and the `?` help, so the three
// can never disagree. A binding belongs to a mode (normal, `:` command, `/` filter, dialog) and a
// scope (global, every list, or one screen; `text` is the wizard's typing); the shell resolves a key by mode, then by the scopes
// of the screen in front, most specific first.

export type Mode = 'normal' | 'command' | 'filter' | 'dialog' | 'text';
export type Scope = 'global' | 'list' | 'inventory' | 'backup' | 'backups' | 'restore' | 'schedules' | 'prompt' | 'text' | 'dialog';

export type KeyCommand =
  | 'quit' | 'interrupt' | 'help' | 'back' | 'refresh' | 'commandMode' | 'filterMode' | 'backup'
  | 'down' | 'up' | 'top' | 'bottom' | 'pageDown' | 'pageUp' | 'halfDown' | 'halfUp' | 'open'
  | 'mark' | 'toggleSkippable' | 'cancel' | 'confirm' | 'deny' | 'submit' | 'dismiss' | 'erase' | 'next' | 'restore' | 'runNow';

export interface KeyBinding {
  command: KeyCommand;
  /** Key names as `keyName` makes them: a printable character or a named key. */
  keys: string[];
  description: string;
  modes: Mode[];
  scope: Scope;
  /** A short label for the footer; bindings without one are listed only in the help. */
  hint?: string;
  /** How the footer names the key, when not by its first key name. */
  hintKey?: string;
  /** Hinted only while this holds (a cancel key while there is something to cancel). */
  when?: keyof KeyFacts;
}

/** What the shell knows that decides which hints stand. */
export interface KeyFacts {
  backupRunning?: boolean;
  restoreRunning?: boolean;
}

const N: Mode[] = ['normal'];
const PROMPT: Mode[] = ['command', 'filter'];
const TEXT: Mode[] = ['text'];

export const KEY_BINDINGS: KeyBinding[] = [
  { command: 'help', keys: ['?'], description: 'show or hide this help', modes: N, scope: 'global', hint: 'help' },
  { command: 'commandMode', keys: [':'], description: 'command: :inventory :backups :backup :restore :schedules :quit', modes: N, scope: 'global', hint: 'cmd' },
  { command: 'filterMode', keys: ['/'], description: 'filter the list (enter applies, esc clears)', modes: N, scope: 'global', hint: 'filter' },
  { command: 'back', keys: ['escape'], description: 'go back; clear the filter', modes: N, scope: 'global' },
  { command: 'backup', keys: ['b'], description: 'back up everything, or the marked items (asks first)', modes: N, scope: 'global', hint: 'backup' },
  { command: 'refresh', keys: ['ctrl-r'], description: 'read the inventory and the snapshots again', modes: N, scope: 'global' },
  { command: 'quit', keys: ['q'], description: 'quit lifeboat (asks first while a backup runs)', modes: N, scope: 'global', hint: 'quit' },
  { command: 'interrupt', keys: ['ctrl-c'], description: 'cancel the running backup (asks first), else quit', modes: N, scope: 'global' },
  { command: 'down', keys: ['j', 'down'], description: 'move down', modes: N, scope: 'list', hint: 'move', hintKey: 'j/k' },
  { command: 'up', keys: ['k', 'up'], description: 'move up', modes: N, scope: 'list' },
  { command: 'top', keys: ['g', 'home'], description: 'go to the top', modes: N, scope: 'list' },
  { command: 'bottom', keys: ['G', 'end'], description: 'go to the bottom', modes: N, scope: 'list' },
  { command: 'pageDown', keys: ['ctrl-f', 'pagedown'], description: 'page down', modes: N, scope: 'list' },
  { command: 'pageUp', keys: ['ctrl-b', 'pageup'], description: 'page up', modes: N, scope: 'list' },
  { command: 'halfDown', keys: ['ctrl-d'], description: 'half a page down', modes: N, scope: 'list' },
  { command: 'halfUp', keys: ['ctrl-u'], description: 'half a page up', modes: N, scope: 'list' },
  { command: 'mark', keys: ['space'], description: 'mark or unmark the row (b backs up the marked)', modes: N, scope: 'inventory', hint: 'mark' },
  { command: 'toggleSkippable', keys: ['s'], description: 'hide or show skippable rows', modes: N, scope: 'inventory', hint: 'skippable' },
  { command: 'cancel', keys: ['c'], description: 'cancel the running backup (asks first)', modes: N, scope: 'backup', hint: 'cancel', when: 'backupRunning' },
  { command: 'open', keys: ['enter'], description: "open the snapshot's manifest", modes: N, scope: 'backups', hint: 'manifest' },
  { command: 'restore', keys: ['r'], description: 'restore this snapshot (opens the wizard on it; nothing is written before you confirm)', modes: N, scope: 'backups', hint: 'restore' },
  { command: 'runNow', keys: ['r'], description: 'run the schedule now (starts a Job in the cluster)', modes: N, scope: 'schedules', hint: 'run now' },
  { command: 'open', keys: ['enter'], description: 'choose the snapshot; open a tree row; edit a field; show an action', modes: N, scope: 'restore', hint: 'select' },
  { command: 'mark', keys: ['space'], description: 'mark or unmark what to restore (a source, namespace or kind)', modes: N, scope: 'restore', hint: 'mark' },
  { command: 'next', keys: ['n', 'tab'], description: 'next step: target, then the plan, then the confirmation', modes: N, scope: 'restore', hint: 'next' },
  { command: 'back', keys: ['escape'], description: 'back a step (every choice is kept); leaves from the first step', modes: N, scope: 'restore', hint: 'back' },
  { command: 'cancel', keys: ['c'], description: 'cancel the running restore (asks first; esc asks too)', modes: N, scope: 'restore' },
  { command: 'submit', keys: ['enter'], description: 'keep the field / confirm with the typed name', modes: TEXT, scope: 'text', hint: 'ok' },
  { command: 'dismiss', keys: ['escape'], description: 'drop the edit / back from the confirmation', modes: TEXT, scope: 'text', hint: 'back' },
  { command: 'erase', keys: ['backspace'], description: 'delete a character', modes: TEXT, scope: 'text' },
  { command: 'submit', keys: ['enter'], description: 'run the command / apply the filter', modes: PROMPT, scope: 'prompt', hint: 'apply' },
  { command: 'dismiss', keys: ['escape'], description: 'leave the prompt (a filter is cleared)', modes: PROMPT, scope: 'prompt', hint: 'cancel' },
  { command: 'erase', keys: ['backspace'], description: 'delete a character', modes: PROMPT, scope: 'prompt' },
  { command: 'confirm', keys: ['y', 'enter'], description: 'yes, do it', modes: ['dialog'], scope: 'dialog', hint: 'yes' },
  { command: 'deny', keys: ['n', 'escape'], description: 'no, leave it', modes: ['dialog'], scope: 'dialog', hint: 'no' },
];

/** The `:` commands, for the help and for completion of abbreviations. */
export const PROMPT_COMMANDS: { names: string[]; description: string; /** Named on the `:` prompt line. */ hinted?: boolean }[] = [
  { names: ['inventory', 'inv'], description: 'what needs a backup, what is covered, what is at risk', hinted: true },
  { names: ['backups', 'snapshots'], description: 'the snapshots in the repository', hinted: true },
  { names: ['backup'], description: 'the backup screen: live progress and the summary', hinted: true },
  { names: ['sources'], description: 'what lifeboat is connected to' },
  { names: ['schedules', 'sched'], description: 'the in-cluster schedules: last run, next run, the running runs' },
  { names: ['restore'], description: 'the restore wizard: snapshot, what, where, plan, confirm, progress, report', hinted: true },
  { names: ['help'], description: 'this help' },
  { names: ['quit', 'q'], description: 'quit lifeboat', hinted: true },
];

/** The scopes a screen's keys come from, most specific first. */
export function scopesFor(mode: Mode, screenScope?: Scope): Scope[] {
  if (mode === 'dialog') return ['dialog'];
  if (mode === 'text') return ['text'];
  if (mode !== 'normal') return ['prompt'];
  return screenScope ? [screenScope, 'list', 'global'] : ['list', 'global'];
}

export function commandFor(name: string, mode: Mode, scopes: Scope[], bindings: KeyBinding[] = KEY_BINDINGS): KeyCommand | undefined {
  for (const scope of scopes) {
    const b = bindings.find((x) => x.scope === scope && x.modes.includes(mode) && x.keys.includes(name));
    if (b) return b.command;
  }
  return undefined;
}

const SHORT: Record<string, string> = { escape: 'esc', enter: 'enter', space: 'space' };

/** How hints and prose name a key: `esc`, `enter`, `j`. */
export const keyLabel = (key: string): string => SHORT[key] ?? key;

/**
 * The key bound to a command in a scope, as prose names it ("enter chooses it"), so a hint
 * written in a sentence follows the registry. A command that is not bound there is a bug: thrown.
 */
export function keyOf(command: KeyCommand, scope: Scope, bindings: KeyBinding[] = KEY_BINDINGS): string {
  const b = bindings.find((x) => x.command === command && x.scope === scope);
  if (!b) throw new Error(`no key is bound to ${command} in scope ${scope}`);
  return keyLabel(b.keys[0]!);
}

/** Footer hints for what is in front: `<j/k>move`-style pairs, the screen's own first. */
export function hintsFor(mode: Mode, scopes: Scope[], facts: KeyFacts = {}, bindings: KeyBinding[] = KEY_BINDINGS): string[] {
  return scopes.flatMap((s) =>
    bindings
      .filter((b) => b.scope === s && b.modes.includes(mode) && b.hint && (!b.when || facts[b.when]))
      .map((b) => `<${b.hintKey ?? keyLabel(b.keys[0]!)}>${b.hint}`),
  );
}

/** What Ink's useInput gives us, reduced to what we match on. */
export interface InkKey {
  upArrow?: boolean; downArrow?: boolean; pageUp?: boolean; pageDown?: boolean; home?: boolean; end?: boolean;
  escape?: boolean; return?: boolean; ctrl?: boolean; meta?: boolean; backspace?: boolean; delete?: boolean; tab?: boolean;
}

/** The name of a key press, e.g. 'j', 'G', 'down', 'ctrl-c', 'escape', 'space'. */
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
  if (key.backspace || key.delete) return 'backspace'; // Ink 6 reports Backspace as delete
  if (key.ctrl && input) return `ctrl-${input.toLowerCase()}`;
  if (input === ' ') return 'space';
  return input; // 'G' arrives as input 'G'; key.shift is not reliable
}
