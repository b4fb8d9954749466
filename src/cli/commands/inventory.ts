import type { Command } from '../command.ts';
import { EXIT, UsageError } from '../errors.ts';

const VERDICT_WORDS = { 'needs-backup': 'needs backup', skippable: 'skippable', 'at-risk': 'AT RISK' } as const;

export const inventoryCommand: Command = {
  name: 'inventory',
  summary: 'list what in the environment needs a backup, what is covered, what is at risk and what can be skipped',
  details: `Each item gets a verdict and the reason in words: needs backup (and whether a snapshot holds
it, and how old that copy is), skippable (rebuilt by the cluster), or AT RISK (a bare Pod, data in
a container's writable layer, a volume lifeboat cannot reach, an image in no registry...).
Coverage sums it up: needs-backup items a snapshot holds, over all needs-backup items.
Exit code 0 whatever the verdicts; 1 when a configured source could not be read at all (its
coverage is unknown, and the figure covers only what was seen); use --json for scripts.`,
  options: { verdict: { type: 'string' }, 'hide-skippable': { type: 'boolean' } },
  optionHelp: { verdict: 'only items with this verdict: needs-backup, skippable, at-risk', 'hide-skippable': 'leave skippable items out' },
  async run(ctx) {
    const verdict = ctx.values.verdict as string | undefined;
    if (verdict && !(verdict in VERDICT_WORDS)) throw new UsageError(`unknown verdict '${verdict}' for --verdict: use needs-backup, skippable or at-risk`);
    const { loadEnvironment } = await import('../environment.ts');
    const { inventoryInputs } = await import('../inventory-inputs.ts');
    const { openSession } = await import('../session.ts');
    const { buildInventory } = await import('../../engine/inventory/build.ts');
    const { formatAge, formatPercent } = await import('../../components/format.ts');
    const env = await loadEnvironment(ctx);
    const session = openSession(ctx, env);
    let inventory;
    let inputs;
    try {
      inputs = await inventoryInputs(session);
      inventory = await buildInventory({ ...inputs, config: env.config, signal: ctx.signal });
    } finally {
      await session.close();
    }
    const warnings = [...inputs.warnings, ...inventory.warnings];
    const unknown = inventory.unobserved ?? [];
    // A source not seen at all leaves its share of the coverage unknown: never a clean exit.
    const unknownLine = unknown.length ? `coverage unknown for ${unknown.map((u) => `${u.source} (${u.reason})`).join(', ')}: the figure counts only what could be seen` : undefined;
    const exit = unknown.length ? EXIT.failed : EXIT.ok;
    let items = inventory.items;
    if (verdict) items = items.filter((i) => i.verdict === verdict);
    if (ctx.values['hide-skippable']) items = items.filter((i) => i.verdict !== 'skippable');
    if (ctx.globals.json) {
      ctx.json({ coverage: { ...inventory.coverage, unknownFor: unknown }, generatedAt: inventory.generatedAt, warnings, items });
      if (unknownLine) ctx.err(`lifeboat: ${unknownLine}`);
      return exit;
    }
    if (inventory.items.length === 0) {
      for (const w of warnings) ctx.err(`warning: ${w}`);
      ctx.out("nothing to take stock of: no source is configured or reachable (see 'lifeboat info'; 'lifeboat lab up' starts a lab)");
      if (unknownLine) ctx.err(`lifeboat: ${unknownLine}`);
      return exit;
    }
    const sorted = [...items].sort((a, b) => a.group.localeCompare(b.group) || a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
    ctx.out(`${'GROUP'.padEnd(14)} ${'KIND'.padEnd(22)} ${'NAME'.padEnd(30)} ${'VERDICT'.padEnd(13)} ${'COPY'.padEnd(14)} REASON`);
    for (const i of sorted) {
      const copy = i.covered ? `${i.covered.snapshot.slice(0, 8)} ${formatAge(i.covered.ageMs).replace(' ago', '')}${i.covered.stale ? '!' : ''}` : i.verdict === 'skippable' || !i.source ? '-' : 'none';
      ctx.out(`${i.group.padEnd(14)} ${i.kind.padEnd(22)} ${i.name.padEnd(30)} ${VERDICT_WORDS[i.verdict].padEnd(13)} ${copy.padEnd(14)} ${i.reason}`);
    }
    const count = (v: string) => inventory.items.filter((i) => i.verdict === v).length;
    const c = inventory.coverage;
    ctx.out(
      `coverage ${unknown.length ? 'of what could be seen ' : ''}${formatPercent(c.ratio)}: ${c.covered} of ${c.total} items that need a backup are in a snapshot${c.stale ? ` (${c.stale} older than the RPO)` : ''}; ${count('at-risk')} at risk; ${count('skippable')} skippable`,
    );
    for (const w of warnings) ctx.err(`warning: ${w}`);
    if (unknownLine) ctx.err(`lifeboat: ${unknownLine}`);
    return exit;
  },
};
