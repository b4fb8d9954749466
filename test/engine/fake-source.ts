// A source a test adds through the registry alone: text notes in folders, declared as a new
// source's folder would declare itself (sources/<kind>/index.ts), for the registry and session tests.
import fs from 'node:fs';
import path from 'node:path';
import { findPath, listPath, readFile, type Repository, type SnapshotInfo } from '../../src/engine/repository/index.ts';
import { applyEach } from '../../src/engine/restore/apply-context.ts';
import type { SourceModule } from '../../src/engine/sources/source.ts';

interface NoteConfig {
  name: string;
  dir: string;
}
interface NoteAction {
  source: 'notes';
  id: string;
  title: string;
  reason: string;
  warnings: string[];
  verb: 'write' | 'skip';
  from: string;
  to: string;
}
declare module '../../src/engine/sources/types.ts' {
  interface SourceNames {
    notes: true;
  }
}
declare module '../../src/engine/restore/types.ts' {
  interface RestoreActions {
    notes: NoteAction;
  }
}
declare module '../../src/engine/config/schema.ts' {
  interface LifeboatConfig {
    notes?: NoteConfig[];
  }
}

const noteId = (name: string, file: string) => `note:${name}/${file}`;

export async function readWhole(repo: Repository, snap: SnapshotInfo, p: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of readFile(repo, (await findPath(repo, snap, p)).node)) parts.push(b);
  return Buffer.concat(parts);
}

export const notesSource: SourceModule = {
  kind: 'notes',
  snapshotPath: '/notes',
  itemPrefix: 'note',
  config: {
    shape: { 'notes?': [{ name: 'string', dir: 'string' }] },
    notConfigured: 'no notes: add notes[] to lifeboat.yaml',
    resolvePaths(config, abs) {
      for (const n of config.notes ?? []) n.dir = abs(n.dir)!;
    },
  },
  endpoints: {
    kind: 'notes-folder',
    list: (config) => (config.notes ?? []).map((n) => ({ name: n.name, address: n.dir })),
    async probe(ep) {
      return `${fs.readdirSync(ep.address).length} notes`;
    },
  },
  backup({ config, only }) {
    const notes = config.notes ?? [];
    if (!notes.length) return undefined;
    return {
      kind: 'notes',
      title: 'Notes',
      async run(ctx, sink) {
        const captured = [];
        let bytes = 0;
        for (const n of notes) {
          for (const file of fs.readdirSync(n.dir).sort()) {
            if (only && !only(noteId(n.name, file))) continue;
            const data = fs.readFileSync(path.join(n.dir, file));
            await sink.addFile(`/notes/${n.name}/${file}`, data);
            captured.push({ id: noteId(n.name, file), path: `/notes/${n.name}/${file}`, bytes: data.length });
            bytes += data.length;
            ctx.progress({ bytesDone: bytes, itemsDone: captured.length });
          }
        }
        return { captured, skipped: [], bytes, items: captured.length };
      },
    };
  },
  inventory: ({ config }) =>
    (config.notes ?? []).flatMap((n) =>
      fs.readdirSync(n.dir).map((file) => ({ id: noteId(n.name, file), group: 'notes', kind: 'Note', name: `${n.name}/${file}`, source: 'notes' as const, verdict: 'needs-backup' as const, reason: 'written by hand' })),
    ),
  restore: {
    name: 'notes',
    title: 'Notes',
    label: 'notes',
    byDefault: true,
    order: 70,
    async plan(ctx) {
      const actions: NoteAction[] = [];
      for (const n of ctx.target.config?.notes ?? []) {
        for (const e of await listPath(ctx.repo, ctx.snapshot, `/notes/${n.name}`).catch(() => [])) {
          const to = path.join(n.dir, e.node.name);
          const exists = fs.existsSync(to);
          actions.push({ source: 'notes', id: noteId(n.name, e.node.name), title: `note ${n.name}/${e.node.name}`, verb: exists ? 'skip' : 'write', reason: exists ? 'already there' : 'missing here', warnings: [], from: `/notes/${n.name}/${e.node.name}`, to });
        }
      }
      return actions;
    },
    async apply(job, ctx, actions) {
      const items = await applyEach(job, actions as NoteAction[], async (a, item) => {
        fs.writeFileSync(a.to, await readWhole(ctx.repo, ctx.snapshot, a.from));
        return { ...item, outcome: 'restored' };
      });
      return { items };
    },
  },
};
