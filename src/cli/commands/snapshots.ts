// `lifeboat snapshots`: the snapshots in the repository, newest first, columns as wide as they need.
import type { Command } from '../command.ts';
import { alignColumns } from '../columns.ts';
import { EXIT } from '../errors.ts';
import { asCliError, openRepository, reportDamage } from '../repository-options.ts';

export const snapshotsCommand: Command = {
  name: 'snapshots',
  summary: 'list the snapshots in the repository',
  async run(ctx) {
    const repo = await openRepository(ctx);
    try {
      const list = await repo.listSnapshots(); // newest first
      if (ctx.globals.json) {
        ctx.json(list.map((s) => ({ id: s.id, short_id: s.id.slice(0, 8), time: s.time, hostname: s.hostname, paths: s.paths, tags: s.tags ?? [], tree: s.tree })));
        return EXIT.ok;
      }
      if (list.length === 0) {
        ctx.out(`no snapshots in ${repo.backend.location} yet: make one with 'lifeboat backup' (or 'lifeboat repo backup-path DIR')`);
        return EXIT.ok;
      }
      const rows = [
        ['ID', 'TIME', 'HOST', 'TAGS', 'PATHS'],
        ...list.map((s) => [s.id.slice(0, 8), s.time.slice(0, 19).replace('T', ' '), s.hostname ?? '', (s.tags ?? []).join(','), s.paths.join(' ')]),
      ];
      for (const line of alignColumns(rows)) ctx.out(line);
      return EXIT.ok;
    } catch (e) {
      throw asCliError(e);
    } finally {
      reportDamage(ctx, repo);
      await repo.close();
    }
  },
};
