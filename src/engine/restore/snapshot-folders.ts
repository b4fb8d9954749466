// The folders of a source's top folder in a snapshot (one per server or bucket) that a restore's
// scope takes: none when the snapshot has no such folder, or when the scope narrows to objects
// without naming servers; only the named ones with --name.
import { NotFoundError } from '../repository/errors.ts';
import { listPath } from '../repository/reader.ts';
import type { SourcePlanContext } from './plan.ts';

export async function scopedFolders(ctx: SourcePlanContext, top: string): Promise<string[]> {
  let names: string[];
  try {
    names = (await listPath(ctx.repo, ctx.snapshot, top)).filter((e) => e.node.type === 'dir').map((e) => e.node.name);
  } catch (e) {
    if (e instanceof NotFoundError) return [];
    throw e;
  }
  if (ctx.narrowed && !ctx.scope.names?.length) return [];
  return ctx.scope.names?.length ? names.filter((n) => ctx.scope.names!.includes(n)) : names;
}
