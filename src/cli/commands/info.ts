import type { Command } from '../command.ts';
import { EXIT } from '../errors.ts';
import { numberFlag } from '../flags.ts';

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
    const allOk = results.every((r) => r.ok);
    const repository = repositoryLocation(ctx);
    if (ctx.globals.json) {
      ctx.json({
        config: env.configFile ?? null,
        repository,
        kubeconfig: env.kube ? { files: env.kube.files, source: env.kube.source, context: env.kube.context, server: env.kube.server } : null,
        sources: results,
      });
      return allOk ? EXIT.ok : EXIT.failed;
    }
    ctx.out(`config:     ${env.configFile ?? '(none: defaults)'}`);
    ctx.out(`repository: ${repository}`);
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
