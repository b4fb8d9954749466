// `lifeboat alerts`: the alert rules for the in-cluster controller's metrics, to load into
// Prometheus (rules file) or to apply where the Prometheus Operator runs (PrometheusRule).
import yaml from 'js-yaml';
import type { Command } from '../command.ts';
import { EXIT, UsageError } from '../errors.ts';

/** 24h, 30m, 7d, 90s, or a plain number of seconds. */
export function durationSeconds(text: string, flag: string): number {
  const m = /^(\d+)(s|m|h|d)?$/.exec(text.trim());
  if (!m || Number(m[1]) === 0) throw new UsageError(`${flag} takes a duration like 24h, 30m or 7d, not '${text}'`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[(m[2] ?? 's') as 's'];
}

export const alertsCommand: Command = {
  name: 'alerts',
  summary: 'print the alert rules for the controller\'s metrics (a rules file, or a PrometheusRule)',
  options: { rpo: { type: 'string' }, output: { type: 'string', short: 'o' }, namespace: { type: 'string', short: 'n' } },
  optionHelp: {
    rpo: 'recovery point objective: alert when a schedule has no success for this long (default rpo of lifeboat.yaml, else 24h)',
    output: 'rules (a Prometheus rules file, default) or prometheusrule',
    namespace: 'namespace of the PrometheusRule (default lifeboat-system)',
  },
  async run(ctx) {
    const { ruleGroups, prometheusRule, DEFAULT_RPO_SECONDS } = await import('../../engine/cluster/alerts.ts');
    const { loadEnvironmentConfig } = await import('../environment.ts');
    const output = (ctx.values.output as string | undefined) ?? 'rules';
    if (!['rules', 'prometheusrule'].includes(output)) throw new UsageError(`-o takes rules or prometheusrule, not '${output}'`);
    const configured = loadEnvironmentConfig(ctx).config.rpo;
    const rpoSeconds = ctx.values.rpo !== undefined ? durationSeconds(ctx.values.rpo as string, '--rpo') : configured ? Math.round(configured / 1000) : DEFAULT_RPO_SECONDS;
    const doc = output === 'rules' ? ruleGroups({ rpoSeconds }) : prometheusRule((ctx.values.namespace as string | undefined) ?? 'lifeboat-system', { rpoSeconds });
    if (ctx.globals.json) ctx.json(doc);
    else ctx.stdout.write(yaml.dump(doc, { lineWidth: -1 }));
    return EXIT.ok;
  },
};
