import type { CommandContext } from './command.ts';
import { UsageError } from './errors.ts';

/** Opens the terminal UI, or explains how to get a terminal when there is none. */
export async function openTui(ctx: CommandContext): Promise<number> {
  if (!ctx.stdin.isTTY || !ctx.stdout.isTTY) {
    throw new UsageError(
      "no terminal: the lifeboat UI needs one; over SSH use 'ssh -t HOST lifeboat', or run a subcommand (see 'lifeboat --help')",
    );
  }
  const { runTui } = await import('../screens/run.tsx');
  return runTui(ctx);
}
