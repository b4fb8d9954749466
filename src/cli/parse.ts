import { parseArgs } from 'node:util';
import type { Command, OptionSpec } from './command.ts';
import { GLOBAL_OPTIONS } from './globals.ts';
import { UsageError } from './errors.ts';

export interface Parsed {
  /** The command words walked, e.g. ['lab', 'up']. */
  path: string[];
  command: Command;
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

function takesValue(options: OptionSpec, token: string): boolean {
  if (token.includes('=')) return false;
  const long = token.startsWith('--');
  const name = long ? token.slice(2) : token.slice(1);
  for (const [key, spec] of Object.entries(options)) {
    if ((long && key === name) || (!long && spec.short === name)) return spec.type === 'string';
  }
  return false;
}

/**
 * Walks the command words (flags may come before or after them, as with kubectl), then parses
 * the flags strictly: an unknown flag is a usage error that names the command's --help.
 */
export function parseCommandLine(root: Command, argv: string[]): Parsed {
  let command = root;
  const path: string[] = [];
  const rest: string[] = [];
  let descending = true;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (token.startsWith('-') && token !== '-') {
      rest.push(token);
      const options = { ...GLOBAL_OPTIONS, ...(command.options ?? {}) };
      if (takesValue(options, token) && i + 1 < argv.length) rest.push(argv[++i]!);
      continue;
    }
    const sub = descending ? command.subcommands?.find((c) => c.name === token) : undefined;
    if (sub) {
      command = sub;
      path.push(token);
    } else {
      descending = false;
      rest.push(token);
    }
  }
  const where = ['lifeboat', ...path].join(' ');
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...GLOBAL_OPTIONS, ...(command.options ?? {}) },
      strict: true,
      allowPositionals: true,
    });
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0]!.replace(/\. To specify a positional.*$/, '');
    throw new UsageError(`${msg.replace(/^Unknown option/, 'unknown flag')} for '${where}': see '${where} --help'`);
  }
  const positionals = parsed.positionals;
  if (parsed.values.help) return { path, command, values: parsed.values, positionals };
  const [min, max] = command.positionals ?? [0, 0];
  if (!command.run || (command.subcommands?.length && max === 0)) {
    const unknown = positionals[0];
    if (unknown !== undefined) {
      throw new UsageError(`unknown command '${unknown}' for '${where}': see '${where} --help'`);
    }
    return { path, command, values: parsed.values, positionals };
  }
  if (positionals.length < min) {
    throw new UsageError(`'${where}' needs ${command.usage ?? 'more arguments'}: see '${where} --help'`);
  }
  if (positionals.length > max) {
    throw new UsageError(`unexpected argument '${positionals[max]}' for '${where}': see '${where} --help'`);
  }
  return { path, command, values: parsed.values, positionals };
}
