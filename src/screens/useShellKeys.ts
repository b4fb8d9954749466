import { useRef } from 'react';
import { useInput, useStdin } from 'ink';
import type { Dialog } from '../components/ConfirmDialog.tsx';
import type { Prompt } from '../components/PromptLine.tsx';
import type { CommandSlot } from './commandSlot.ts';
import { splitChunk } from './keyChunks.ts';
import { commandFor, keyName, scopesFor, type InkKey, type KeyCommand, type Mode } from './keys.ts';
import { filterable, runPromptCommand, scopeOf, type View } from './router.ts';
import { askBackup, askCancel, askCancelRestore, quit, type ShellDeps } from './shellActions.ts';

export interface ShellKeyState extends ShellDeps {
  view: View;
  /** Read at each key, not from the render: keys typed in one burst come before the next render. */
  current(): { prompt?: Prompt; dialog?: Dialog };
  filter: string;
  tooSmall: boolean;
  slot: CommandSlot;
  setPrompt(p: Prompt | undefined): void;
  setFilter(text: string): void;
  back(): void;
  reload(): void;
}

/**
 * The one owner of stdin: every key is named, resolved through the registry by mode and scope,
 * offered to the screen in front, and otherwise handled here. Text typed after `:` or `/` is
 * taken as text. Below the minimum size only quitting works.
 */
export function useShellKeys(state: ShellKeyState): void {
  const { isRawModeSupported } = useStdin();
  // The newest render's state, so the handler never acts on a stale closure.
  const latest = useRef(state);
  latest.current = state;
  useInput(
    (input, key) => {
      // Keys that came in one chunk are taken one by one, each seeing what the one before opened.
      for (const k of splitChunk(input, key)) onKey(latest.current, k.input, k.key);
    },
    { isActive: isRawModeSupported === true },
  );
}

function onKey(s: ShellKeyState, input: string, key: InkKey): void {
  const { prompt, dialog } = s.current();
  const typing = s.view.screen === 'restore' && s.wizard.typing;
  const mode = modeOf(prompt, dialog, typing);
  const command = commandFor(keyName(input, key), mode, scopesFor(mode, scopeOf(s.view)));
  if (s.tooSmall) {
    if (command === 'quit' || command === 'interrupt') quit(s);
    return;
  }
  if (dialog) return onDialog(s, dialog, command);
  if (prompt) return onPrompt(s, prompt, command, input, key.ctrl || key.meta);
  if (typing) return onText(s, command, input, key.ctrl || key.meta);
  if (command && !s.slot.current?.(command)) onNormal(s, command);
}

/** The key mode follows from what is open: a dialog, else a prompt, else the wizard's typing, else normal. */
export function modeOf(prompt?: Prompt, dialog?: Dialog, typing = false): Mode {
  return dialog ? 'dialog' : prompt ? (prompt.kind === ':' ? 'command' : 'filter') : typing ? 'text' : 'normal';
}

/** Keys while the wizard takes text: a field's value, or the target context's name to confirm. */
function onText(s: ShellKeyState, command: KeyCommand | undefined, input: string, modified?: boolean): void {
  const d = s.wizard.dispatch;
  if (command === 'erase') return d({ type: 'erase' });
  if (command === 'dismiss') return d({ type: 'back' });
  if (command === 'submit') return d({ type: 'submit' });
  if (!modified && input && !/[\u0000-\u001f\u007f]/.test(input)) d({ type: 'type', text: input });
}

function onDialog(s: ShellKeyState, d: Dialog, command: KeyCommand | undefined): void {
  if (command !== 'confirm' && command !== 'deny') return;
  s.setDialog(undefined);
  if (command === 'confirm' && (d.relevant?.() ?? true)) d.onConfirm();
}

function onPrompt(s: ShellKeyState, p: Prompt, command: KeyCommand | undefined, input: string, modified?: boolean): void {
  if (command === 'erase') return s.setPrompt({ ...p, text: p.text.slice(0, -1) });
  if (command === 'dismiss') {
    if (p.kind === '/') s.setFilter('');
    return s.setPrompt(undefined);
  }
  if (command === 'submit') {
    s.setPrompt(undefined);
    if (p.kind === '/') return s.setFilter(p.text.trim());
    const action = runPromptCommand(p.text);
    if ('quit' in action) return quit(s);
    if ('go' in action) return s.go(action.go);
    return s.setMessage(action.message);
  }
  // Printable text only: stray escape-sequence tails and control keys are dropped.
  if (!modified && input && !/[\u0000-\u001f\u007f]/.test(input)) s.setPrompt({ ...p, text: p.text + input });
}

function onNormal(s: ShellKeyState, command: KeyCommand): void {
  switch (command) {
    case 'quit':
      return quit(s);
    case 'interrupt':
      if (s.wizard.running) return askCancelRestore(s);
      return s.store.running ? askCancel(s) : s.exit();
    case 'cancel':
      if (s.view.screen === 'restore') return askCancelRestore(s);
      return askCancel(s);
    case 'backup':
      return askBackup(s);
    case 'help':
      return s.view.screen === 'help' ? s.back() : s.go({ screen: 'help' });
    case 'commandMode':
      return s.setPrompt({ kind: ':', text: '' });
    case 'filterMode':
      if (!filterable(s.view)) return s.setMessage({ level: 'info', text: 'nothing to filter here (/ works in :inventory and :backups)' });
      return s.setPrompt({ kind: '/', text: s.filter });
    case 'refresh':
      s.setMessage({ level: 'info', text: 'reading the inventory and the snapshots again...' });
      return s.reload();
    case 'back':
      if (s.view.screen === 'restore' && s.wizard.running) return askCancelRestore(s);
      if (s.filter) return s.setFilter('');
      return s.back();
    default:
      return;
  }
}
