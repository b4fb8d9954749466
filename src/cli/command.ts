import type { ParseArgsConfig } from 'node:util';
import type { GlobalOptions } from './globals.ts';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** What a command runs with: parsed flags, the global options and where to write. */
export interface CommandContext {
  globals: GlobalOptions;
  /** This command's own flags, as util.parseArgs gives them. */
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number };
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Write one line to stdout. */
  out(line?: string): void;
  /** Write one line to stderr (progress, warnings). */
  err(line?: string): void;
  /** Write a value as JSON on stdout (for --json). */
  json(value: unknown): void;
  /** Aborted on SIGINT/SIGTERM so long jobs can stop cleanly. */
  signal: AbortSignal;
}

/** A node of the command tree: either runs, or holds subcommands, or both. */
export interface Command {
  name: string;
  summary: string;
  /** Usage line after "lifeboat <path>", e.g. "SNAPSHOT --target DIR". */
  usage?: string;
  /** Free text shown by --help after the flags. */
  details?: string;
  options?: OptionSpec;
  /** Help text for each flag of `options`, by flag name. */
  optionHelp?: Record<string, string>;
  /** Positionals this command accepts: [min, max]; default [0, 0]. */
  positionals?: [number, number];
  subcommands?: Command[];
  run?(ctx: CommandContext): Promise<number>;
}
