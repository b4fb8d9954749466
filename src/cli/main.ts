import { setMaxListeners } from 'node:events';
import type { Command, CommandContext } from './command.ts';
import { InvalidRequestError } from '../engine/errors.ts';
import { CliError, EXIT } from './errors.ts';
import { globalsFrom } from './globals.ts';
import { helpText } from './help.ts';
import { parseCommandLine } from './parse.ts';
import { commands } from './commands/index.ts';
import { setRequestDeadline } from '../engine/deadline.ts';
import { openTui } from './tui.ts';
import { cliWorded } from './mention-words.ts';

export interface MainIO {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  stdout?: CommandContext['stdout'];
  stderr?: CommandContext['stderr'];
  stdin?: CommandContext['stdin'];
}

export const root: Command = {
  name: 'lifeboat',
  summary: 'back up and restore a whole container environment',
  details: `With no command on a terminal, lifeboat opens its terminal UI.
Exit codes: 0 ok, 1 failed, 2 usage or configuration error, 3 backup finished partially.`,
  subcommands: commands,
  async run(ctx) {
    return openTui(ctx);
  },
};

/** Runs the lifeboat command line and returns its exit code; never calls process.exit. */
export async function main(argv: string[], io: MainIO = {}): Promise<number> {
  const env = io.env ?? process.env;
  // What the engine's messages mention is said here as lifeboat's flags and commands.
  let stdout = cliWorded(io.stdout ?? process.stdout);
  const stderr = cliWorded(io.stderr ?? process.stderr);
  const controller = new AbortController();
  setMaxListeners(256, controller.signal);
  const onSignal = () => controller.abort(new CliError('interrupted', 130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const parsed = parseCommandLine(root, argv);
    if (parsed.values.help) {
      stdout.write(helpText(parsed.command, parsed.path) + '\n');
      return EXIT.ok;
    }
    if (parsed.values.version) {
      const { LIFEBOAT_VERSION } = await import('../engine/version.ts');
      stdout.write(`lifeboat ${LIFEBOAT_VERSION}\n`);
      return EXIT.ok;
    }
    // The UI words the engine's messages itself and draws on the terminal as it is.
    if (parsed.command === root) stdout = io.stdout ?? process.stdout;
    const globals = globalsFrom(parsed.values, env);
    setRequestDeadline(globals.requestTimeoutMs);
    const ctx: CommandContext = {
      globals,
      values: parsed.values,
      positionals: parsed.positionals,
      env,
      cwd: io.cwd ?? process.cwd(),
      stdout,
      stderr,
      stdin: io.stdin ?? process.stdin,
      out: (line = '') => void stdout.write(line + '\n'),
      err: (line = '') => void stderr.write(line + '\n'),
      json: (value) => void stdout.write(JSON.stringify(value, null, 2) + '\n'),
      signal: controller.signal,
    };
    if (!parsed.command.run) {
      stdout.write(helpText(parsed.command, parsed.path) + '\n');
      return EXIT.usage;
    }
    return await parsed.command.run(ctx);
  } catch (e) {
    if (e instanceof CliError) {
      stderr.write(`lifeboat: ${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof InvalidRequestError) {
      stderr.write(`lifeboat: ${e.message}\n`);
      return EXIT.usage;
    }
    const err = e as Error;
    stderr.write(`lifeboat: ${err.message ?? String(e)}\n`);
    if (env.LIFEBOAT_DEBUG) stderr.write(`${err.stack}\n`);
    return EXIT.failed;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
