import { describe, expect, it } from 'vitest';
import { commandFor, hintsFor, KEY_BINDINGS, keyName, PROMPT_COMMANDS, scopesFor, type Mode } from '../../src/screens/keys.ts';
import { runPromptCommand } from '../../src/screens/router.ts';
import { helpLines } from '../../src/components/help.ts';

describe('the key registry', () => {
  it('binds no key twice in one mode and scope, and describes every binding', () => {
    const seen = new Map<string, string>();
    for (const b of KEY_BINDINGS) {
      expect(b.description.length, b.command).toBeGreaterThan(5);
      expect(b.keys.length, b.command).toBeGreaterThan(0);
      for (const mode of b.modes) {
        for (const key of b.keys) {
          const slot = `${mode}/${b.scope}/${key}`;
          expect(seen.get(slot), `${slot} bound to ${seen.get(slot)} and ${b.command}`).toBeUndefined();
          seen.set(slot, b.command);
        }
      }
    }
  });

  it('has the k9s and vim keys', () => {
    const n = (key: string, scope?: Parameters<typeof scopesFor>[1], mode: Mode = 'normal') => commandFor(key, mode, scopesFor(mode, scope));
    expect([n('j'), n('down'), n('k'), n('up'), n('g'), n('G')]).toEqual(['down', 'down', 'up', 'up', 'top', 'bottom']);
    expect([n('ctrl-f'), n('pagedown'), n('ctrl-b'), n('pageup'), n('ctrl-d'), n('ctrl-u')]).toEqual(['pageDown', 'pageDown', 'pageUp', 'pageUp', 'halfDown', 'halfUp']);
    expect([n(':'), n('/'), n('?'), n('q'), n('escape'), n('b'), n('ctrl-c')]).toEqual(['commandMode', 'filterMode', 'help', 'quit', 'back', 'backup', 'interrupt']);
    expect([n('space', 'inventory'), n('s', 'inventory'), n('c', 'backup'), n('enter', 'backups')]).toEqual(['mark', 'toggleSkippable', 'cancel', 'open']);
    // scoped: space and c mean nothing on the backups screen
    expect([n('space', 'backups'), n('c', 'inventory')]).toEqual([undefined, undefined]);
    expect([n('y', undefined, 'dialog'), n('escape', undefined, 'dialog'), n('enter', undefined, 'filter'), n('q', undefined, 'command')]).toEqual(['confirm', 'deny', 'submit', undefined]);
  });

  it('gives the footer the hints of the screen in front, and the help every binding and command', () => {
    expect(hintsFor('normal', scopesFor('normal', 'inventory')).slice(0, 3)).toEqual(['<space>mark', '<s>skippable', '<j/k>move']);
    expect(hintsFor('normal', scopesFor('normal', 'backup'), { backupRunning: true })[0]).toBe('<c>cancel');
    expect(hintsFor('normal', scopesFor('normal', 'backup'))).not.toContain('<c>cancel');
    expect(hintsFor('dialog', scopesFor('dialog'))).toEqual(['<y>yes', '<n>no']);
    const help = helpLines().join('\n');
    for (const b of KEY_BINDINGS) expect(help).toContain(b.description);
    for (const c of PROMPT_COMMANDS) expect(help).toContain(`:${c.names[0]}`);
  });

  it("names keys through Ink 6's quirks", () => {
    expect(keyName('', { escape: true, meta: true })).toBe('escape');
    expect(keyName('', { delete: true })).toBe('backspace');
    expect(keyName('d', { ctrl: true })).toBe('ctrl-d');
    expect(keyName(' ', {})).toBe('space');
    expect(keyName('G', {})).toBe('G');
  });

  it('runs : commands, abbreviations included', () => {
    expect(runPromptCommand('inventory')).toEqual({ go: { screen: 'inventory' } });
    expect(runPromptCommand('backups')).toEqual({ go: { screen: 'backups' } });
    expect(runPromptCommand('backup')).toEqual({ go: { screen: 'backup' } });
    expect(runPromptCommand('so')).toEqual({ go: { screen: 'sources' } });
    expect(runPromptCommand('q')).toEqual({ quit: true });
    expect(runPromptCommand('quit')).toEqual({ quit: true });
    expect(runPromptCommand('restore')).toEqual({ go: { screen: 'restore' } });
    expect(runPromptCommand('res')).toEqual({ go: { screen: 'restore' } });
    expect(runPromptCommand('back')).toMatchObject({ message: { level: 'error' } }); // backup or backups: ambiguous
  });
});
