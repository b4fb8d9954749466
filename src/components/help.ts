import { KEY_BINDINGS, PROMPT_COMMANDS, type KeyBinding, type Scope } from './keys.ts';

// The `?` help, made from the key registry (every binding, grouped by where it works) and the
// `:` commands; shown in a Pager so it scrolls at 80x24.

const SECTIONS: { scope: Scope; title: string }[] = [
  { scope: 'global', title: 'Everywhere' },
  { scope: 'list', title: 'Lists' },
  { scope: 'inventory', title: 'Inventory' },
  { scope: 'backup', title: 'Backup' },
  { scope: 'backups', title: 'Backups' },
  { scope: 'restore', title: 'Restore wizard' },
  { scope: 'schedules', title: 'Schedules' },
  { scope: 'text', title: 'Restore wizard, typing' },
  { scope: 'prompt', title: 'After : or /' },
  { scope: 'dialog', title: 'In a question' },
];

export function helpLines(bindings: KeyBinding[] = KEY_BINDINGS): string[] {
  const out: string[] = [];
  for (const s of SECTIONS) {
    const group = bindings.filter((b) => b.scope === s.scope);
    if (group.length === 0) continue;
    out.push(s.title);
    for (const b of group) out.push(`  ${b.keys.join(', ').padEnd(18)} ${b.description}`);
    out.push('');
  }
  out.push('Commands (type : then the name, enter)');
  for (const c of PROMPT_COMMANDS) out.push(`  ${c.names.map((n) => `:${n}`).join(', ').padEnd(18)} ${c.description}`);
  return out;
}

/** The key table of README.md: every binding by where it works, then the `:` commands (markdown). */
export function keyTableMarkdown(bindings: KeyBinding[] = KEY_BINDINGS): string {
  const cell = (t: string) => t.replace(/\|/g, '\\|');
  const out = ['| Where | Keys | What |', '| --- | --- | --- |'];
  for (const s of SECTIONS) {
    for (const b of bindings.filter((x) => x.scope === s.scope)) {
      out.push(`| ${s.title} | ${b.keys.map((k) => `\`${k}\``).join(', ')} | ${cell(b.description)} |`);
    }
  }
  for (const c of PROMPT_COMMANDS) out.push(`| Commands | ${c.names.map((n) => `\`:${n}\``).join(', ')} | ${cell(c.description)} |`);
  return out.join('\n');
}
