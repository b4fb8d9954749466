import type { CommandContext } from './command.ts';
import { UsageError } from './errors.ts';

/** Opens the terminal UI, or explains how to get a terminal when there is none. */
export async function openTui(ctx: CommandContext): Promise<number> {
  if (!ctx.stdin.isTTY || !ctx.stdout.isTTY) {
    throw new UsageError(
      "no terminal: the lifeboat UI needs one; over SSH use 'ssh -t HOST lifeboat', or run a subcommand (see 'lifeboat --help')",
    );
  }
  const { loadEnvironment } = await import('./environment.ts');
  const { repositoryLocation } = await import('./repository-options.ts');
  const { openSession } = await import('./session.ts');
  const { engineServices } = await import('./tui-services.ts');
  const { noColorRequested } = await import('../components/theme.ts');
  const { runTui } = await import('../screens/run.tsx');
  const env = await loadEnvironment(ctx);
  let repository: string | undefined;
  try {
    repository = repositoryLocation(ctx);
  } catch (e) {
    // A location lifeboat cannot read is a usage mistake before any screen opens.
    if (e instanceof UsageError) throw e;
    repository = undefined;
  }
  // One session for the whole run: the repository opens (scrypt runs) once, not on every screen.
  const session = openSession(ctx, env);
  try {
    const services = await engineServices(session, { repository });
    return await runTui({ services, noColor: noColorRequested(ctx.env, ctx.globals.noColor), stdout: ctx.stdout as NodeJS.WriteStream, stdin: ctx.stdin as NodeJS.ReadStream });
  } finally {
    await session.close();
  }
}
