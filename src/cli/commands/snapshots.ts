// `lifeboat snapshots`: the snapshots in the repository, newest first.
import type { Command } from '../command.ts';
import { EXIT } from '../errors.ts';
import { asCliError, openRepository } from '../repository-options.ts';

export const snapshotsCommand: Command = {
  name: 'snapshots',
  summary: 'list the snapshots in the repository',
  async run(ctx) {
    const repo = await openRepository(ctx);
    try {
      const list = await repo.listSnapshots();
      if (ctx.globals.json) {
        ctx.json(list.map((s) => ({ id: s.id, short_id: s.id.slice(0, 8), time: s.time, hostname: s.hostname, paths: s.paths, tags: s.tags ?? [], tree: s.tree })));
        return EXIT.ok;
      }
      if (list.length === 0) {
        ctx.out(`no snapshots in ${repo.backend.location} yet: make one with 'lifeboat repo backup-path DIR'`);
        return EXIT.ok;
      }
      ctx.out(`${'ID'.padEnd(10)}${'Time'.padEnd(21)}${'Host'.padEnd(16)}${'Tags'.padEnd(20)}Paths`);
      for (const s of list) {
        ctx.out(`${s.id.slice(0, 8).padEnd(10)}${s.time.slice(0, 19).replace('T', ' ').padEnd(21)}${(s.hostname ?? '').padEnd(16)}${(s.tags ?? []).join(',').padEnd(20)}${s.paths.join(' ')}`);
      }
      return EXIT.ok;
    } catch (e) {
      throw asCliError(e);
    } finally {
      await repo.close();
    }
  },
};
