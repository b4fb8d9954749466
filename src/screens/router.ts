import type { Message } from '../components/StatusLine.tsx';
import type { Scope } from '../components/keys.ts';

// The view stack (k9s PageStack): `:` commands replace it, enter pushes a drill-in, esc pops.
// Crumbs are the names of the views underneath.

export type View =
  | { screen: 'inventory' }
  | { screen: 'backup' }
  | { screen: 'backups' }
  | { screen: 'sources' }
  | { screen: 'schedules' }
  | { screen: 'help' }
  /** The restore wizard; on `snapshot` when opened from the backups screen. */
  | { screen: 'restore'; snapshot?: string }
  | { screen: 'manifest'; id: string; shortId: string };

export function viewName(v: View): string {
  return v.screen === 'manifest' ? `manifest(${v.shortId})` : v.screen;
}

/** The key scope of a view: its own, or none (then only the list and global keys). */
export function scopeOf(v: View): Scope | undefined {
  return v.screen === 'inventory' || v.screen === 'backup' || v.screen === 'backups' || v.screen === 'restore' || v.screen === 'schedules' ? v.screen : undefined;
}

/** Views whose list `/` filters. */
export function filterable(v: View): boolean {
  return v.screen === 'inventory' || v.screen === 'backups';
}

export type PromptAction = { go: View } | { quit: true } | { message: Message };

const GO: Record<string, View> = {
  inventory: { screen: 'inventory' },
  inv: { screen: 'inventory' },
  backups: { screen: 'backups' },
  snapshots: { screen: 'backups' },
  backup: { screen: 'backup' },
  sources: { screen: 'sources' },
  schedules: { screen: 'schedules' },
  sched: { screen: 'schedules' },
  help: { screen: 'help' },
  restore: { screen: 'restore' },
};

/** What a `:` command does. Abbreviations match when they are a prefix of one name only. */
export function runPromptCommand(text: string): PromptAction {
  const name = text.trim().toLowerCase().replace(/!$/, '');
  if (name === 'q' || name === 'quit' || name === 'qa') return { quit: true };
  if (GO[name]) return { go: GO[name] };
  const prefixed = [...new Set(Object.keys(GO).filter((k) => name && k.startsWith(name)).map((k) => GO[k]!.screen))];
  if (prefixed.length === 1) return { go: { screen: prefixed[0] } as View };
  return { message: { level: 'error', text: `unknown command :${name} (? lists the commands)` } };
}
