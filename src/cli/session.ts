// The engine session of one command (or of the whole TUI): the environment the flags, the
// config and the kubeconfig name, and the repository they point at, resolved here once.
import type { CommandContext } from './command.ts';
import type { Environment } from './environment.ts';
import { asCliError, parsedRepositoryLocation, repositoryPassword } from './repository-options.ts';
import type { Repository } from '../engine/repository/repository.ts';
import { EngineSession } from '../engine/session.ts';

export function openSession(ctx: CommandContext, env: Environment): EngineSession {
  return new EngineSession({
    config: env.config,
    configFile: env.configFile,
    kube: env.kube,
    env: ctx.env,
    repository: () => ({ location: parsedRepositoryLocation(ctx, env.config), password: repositoryPassword(ctx, env.config) }),
    kubeFor: async (context) => {
      const { loadEnvironment } = await import('./environment.ts');
      return (await loadEnvironment({ ...ctx, globals: { ...ctx.globals, context } })).kube;
    },
  });
}

/** The session's repository; a problem opening it is one line (exit 2 for a usage mistake, else 1). */
export async function sessionRepository(session: EngineSession): Promise<Repository> {
  try {
    return await session.repository();
  } catch (e) {
    throw asCliError(e);
  }
}
