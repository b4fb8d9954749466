import type { Command, CommandContext } from '../command.ts';
import { EXIT } from '../errors.ts';
import { numberFlag } from '../flags.ts';

/**
 * Whether the repository opens with the password given: a wrong password is a problem (exit 1),
 * never passed over; no repository there yet, or no password given, is said as it is.
 */
async function checkRepository(ctx: CommandContext): Promise<{ ok: boolean; detail: string }> {
  const { openRepository, repositoryPassword } = await import('../repository-options.ts');
  const { RepositoryNotFoundError } = await import('../../engine/repository/errors.ts');
  const { errorLine } = await import('../../engine/errors.ts');
  try {
    repositoryPassword(ctx);
  } catch {
    return { ok: true, detail: '(password not checked: none given; --password-file or LIFEBOAT_PASSWORD)' };
  }
  try {
    const repo = await openRepository(ctx);
    const snapshots = (await repo.backend.list('snapshots')).length;
    await repo.close();
    return { ok: true, detail: `(opens with the password given; ${snapshots} snapshots)` };
  } catch (e) {
    const cause = (e as { cause?: unknown }).cause ?? e;
    if (cause instanceof RepositoryNotFoundError || /^no repository at /.test((e as Error).message)) return { ok: true, detail: "(no repository there yet: 'lifeboat repo init' makes one)" };
    return { ok: false, detail: errorLine(e) };
  }
}

/** `lifeboat info`: what lifeboat is connected to, and whether each source answers. */
export const infoCommand: Command = {
  name: 'info',
  summary: 'show the config, the cluster and every source lifeboat would back up, and whether each answers',
  options: { timeout: { type: 'string' } },
  optionHelp: { timeout: 'seconds to wait for each source (default 3)' },
  async run(ctx) {
    // Loaded here, not at the top: the Kubernetes and Docker clients take a second to load,
    // and `lifeboat --help` should not wait for them.
    const seconds = numberFlag(ctx.values.timeout, '--timeout', { min: 0.1 }) ?? 3;
    const { loadEnvironment } = await import('../environment.ts');
    const { endpointsOf } = await import('../../engine/environment/endpoints.ts');
    const { probeEndpoints } = await import('../../engine/environment/probe.ts');
    const { repositoryLocation } = await import('../repository-options.ts');
    const env = await loadEnvironment(ctx);
    const endpoints = endpointsOf(env.config, env.kube, ctx.env);
    const timeoutMs = seconds * 1000;
    const results = await probeEndpoints(endpoints, env.kube, timeoutMs);
    const repository = repositoryLocation(ctx);
    const repoStatus = await checkRepository(ctx);
    const allOk = results.every((r) => r.ok) && repoStatus.ok;
    if (ctx.globals.json) {
      ctx.json({
        config: env.configFile ?? null,
        repository,
        repositoryStatus: repoStatus,
        kubeconfig: env.kube ? { files: env.kube.files, source: env.kube.source, context: env.kube.context, server: env.kube.server } : null,
        sources: results,
      });
      return allOk ? EXIT.ok : EXIT.failed;
    }
    ctx.out(`config:     ${env.configFile ?? '(none: defaults)'}`);
    ctx.out(`repository: ${repository}  ${repoStatus.ok ? '' : 'PROBLEM: '}${repoStatus.detail}`);
    ctx.out(
      env.kube
        ? `kubeconfig: ${env.kube.files.join(':')} (from ${env.kube.source}), context ${env.kube.context}`
        : 'kubeconfig: (none: no cluster configured)',
    );
    if (results.length === 0) ctx.out("sources:    none configured (see 'lifeboat lab up' for a local lab)");
    for (const r of results) {
      ctx.out(`${r.ok ? 'OK  ' : 'DOWN'} ${r.kind.padEnd(10)} ${r.name.padEnd(18)} ${r.address}  ${r.detail}`);
    }
    return allOk ? EXIT.ok : EXIT.failed;
  },
};
