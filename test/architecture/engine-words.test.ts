// The engine speaks of what a person can change or run by name (engine/mentions.ts), never in the
// CLI's words: no string of src/engine is a sentence naming one of lifeboat's flags or a
// `lifeboat ...` command. The CLI and the TUI word those mentions (cli/mention-words.ts).
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import type { Command } from '../../src/cli/command.ts';
import { commands } from '../../src/cli/commands/index.ts';
import { GLOBAL_OPTIONS } from '../../src/cli/globals.ts';
import { CLI_WORDS, TUI_WORDS } from '../../src/cli/mention-words.ts';
import { MENTIONS, mention, wordMentions, type Mention } from '../../src/engine/mentions.ts';

const ENGINE = path.resolve(import.meta.dirname, '../../src/engine');

/** Sentences that name another program's flags (etcd's, pg_restore's), allowed by file. */
const OTHER_PROGRAMS: Record<string, RegExp[]> = {
  // The steps to run the restored etcd member: etcd's own --name and --data-dir.
  'sources/etcd/restore.ts': [/start etcd with --name/, /start etcd with --data-dir/],
  // How to start Redis on the restored RDB file: redis-server's own --dir.
  'sources/redis/restore.ts': [/redis-server --dir/],
};

function lifeboatFlags(): Set<string> {
  const out = new Set(Object.keys(GLOBAL_OPTIONS));
  const walk = (c: Command) => {
    for (const k of Object.keys(c.options ?? {})) out.add(k);
    for (const s of c.subcommands ?? []) walk(s);
  };
  for (const c of commands) walk(c);
  return out;
}

/** The text of every string and template literal of a file (comments are not strings). */
function literals(file: string): string[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (n: ts.Node) => {
    if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) out.push(n.text);
    else if (ts.isTemplateExpression(n)) out.push([n.head.text, ...n.templateSpans.map((s) => s.literal.text)].join('${}'));
    ts.forEachChild(n, visit);
  };
  visit(source);
  return out;
}

/** What a literal of the engine says in the CLI's words: a sentence with a flag, or a command. */
export function cliWords(text: string, flags: Set<string>): string[] {
  // One word alone ('--data-dir') is a program's argument, not a sentence to a person.
  if (!/\s/.test(text)) return [];
  const found: string[] = [];
  for (const m of text.matchAll(/(?<![\w-])--([a-z][a-z-]*)/g)) if (flags.has(m[1]!)) found.push(`--${m[1]}`);
  // A command to run is quoted (`'lifeboat repo check'`); "a lifeboat backup" is prose.
  for (const m of text.matchAll(/'(lifeboat (?:repo|snapshots|backup|restore|inventory|info|lab)\b[^']*)'/g)) found.push(m[1]!);
  return found;
}

function engineFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? engineFiles(p) : /\.ts$/.test(e.name) ? [p] : [];
  });
}

describe("the engine's words", () => {
  const flags = lifeboatFlags();

  it('name no flag of lifeboat and no lifeboat command in any message', () => {
    const found: string[] = [];
    for (const file of engineFiles(ENGINE)) {
      const rel = path.relative(ENGINE, file).split(path.sep).join('/');
      for (const text of literals(file)) {
        if (OTHER_PROGRAMS[rel]?.some((re) => re.test(text))) continue;
        for (const w of cliWords(text, flags)) found.push(`${rel}: ${w} in "${text.slice(0, 100)}"`);
      }
    }
    expect(found).toEqual([]);
  });

  it('the check sees a flag or a command in a sentence, and passes arguments and mentions', () => {
    expect(flags.has('namespace-map') && flags.has('password-file')).toBe(true);
    expect(cliWords('wrong password: check --password-file or LIFEBOAT_PASSWORD', flags)).toEqual(['--password-file']);
    expect(cliWords("no repository here: create one with 'lifeboat repo init'", flags)).toEqual(['lifeboat repo init']);
    expect(cliWords('--namespace-map', flags)).toEqual([]);
    expect(cliWords(`renamed a -> b (${mention('namespaceMap')})`, flags)).toEqual([]);
    expect(literals(path.join(ENGINE, 'kinds/namespaces.ts')).some((t) => t.includes('renamed'))).toBe(true);
  });

  it('every mention is worded by the CLI as its flag or command, and by the TUI without one', () => {
    for (const m of Object.keys(MENTIONS) as Mention[]) {
      const cli = CLI_WORDS(m);
      expect(cli, m).toMatch(/^--[a-z-]+|^'lifeboat [a-z -]+'$/);
      for (const f of cli.matchAll(/--([a-z-]+)/g)) expect(flags.has(f[1]!), `${m}: ${f[0]} is a flag of lifeboat`).toBe(true);
      expect(TUI_WORDS(m), m).not.toMatch(/^--/);
    }
    expect(wordMentions(`kept (${mention('existingPolicy', 'skip')})`, CLI_WORDS)).toBe('kept (--existing-resource-policy skip)');
    expect(wordMentions(`see ${mention('repoLs', 'abcd1234')}`, CLI_WORDS)).toBe("see 'lifeboat repo ls abcd1234'");
  });
});
