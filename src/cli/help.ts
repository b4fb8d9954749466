import type { Command } from './command.ts';
import { GLOBAL_HELP, GLOBAL_OPTIONS } from './globals.ts';

function flagLine(name: string, spec: { type: string; short?: string }, help: string | undefined): string {
  const flag = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.type === 'string' ? ' VALUE' : ''}`;
  return `  ${flag.padEnd(30)} ${help ?? ''}`.trimEnd();
}

/** The --help text of a command, made from the same data that parses its flags. */
export function helpText(command: Command, path: string[]): string {
  const where = ['lifeboat', ...path].join(' ');
  const lines: string[] = [];
  lines.push(`${where}: ${command.summary}`, '');
  if (command.run) lines.push(`Usage: ${where}${command.usage ? ` ${command.usage}` : ''} [flags]`);
  if (command.subcommands?.length) {
    if (!command.run) lines.push(`Usage: ${where} COMMAND [flags]`);
    lines.push('', 'Commands:');
    for (const sub of command.subcommands) lines.push(`  ${sub.name.padEnd(14)} ${sub.summary}`);
  }
  const own = Object.entries(command.options ?? {});
  if (own.length) {
    lines.push('', 'Flags:');
    for (const [name, spec] of own) lines.push(flagLine(name, spec, command.optionHelp?.[name]));
  }
  lines.push('', 'Global flags:');
  for (const [name, spec] of Object.entries(GLOBAL_OPTIONS)) {
    lines.push(flagLine(name, spec, GLOBAL_HELP[name as keyof typeof GLOBAL_HELP]));
  }
  if (command.details) lines.push('', command.details.trim());
  if (command.subcommands?.length) lines.push('', `Run '${where} COMMAND --help' for more about a command.`);
  return lines.join('\n');
}
