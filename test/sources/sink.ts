// The real repository as the source tests' sink: a source writes through `repositorySink`, the
// test commits the snapshot and reads it back with the repository's reader and restorer. Also a
// JobContext that records what a source reports.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startLab, type Lab } from '../../src/lab/lab.ts';
import type { JobContext } from '../../src/engine/jobs/runner.ts';
import type { SnapshotSink } from '../../src/engine/sources/sink.ts';
import { openSnapshotSink } from '../../src/engine/sources/repository-sink.ts';
import { LocalBackend, Repository, SnapshotWriter, findPath, readFile, restoreSnapshot, walkTree, type Node, type SnapshotInfo } from '../../src/engine/repository/index.ts';
import { withRetry } from '../../src/engine/jobs/retry.ts';
import type { Counts } from '../../src/engine/jobs/events.ts';

/** One committed snapshot, read back. */
export interface SnapshotReadBack {
  info: SnapshotInfo;
  /** A file of the snapshot, whole. */
  readFile(snapshotPath: string): Promise<Buffer>;
  /**
   * A folder of the snapshot, restored into `dest` (modes, times, links), `dest` standing for the
   * folder. Throws on any entry the restorer refuses, except the snapshot paths in `refusedOk`.
   */
  extractTree(snapshotPath: string, dest: string, refusedOk?: string[]): Promise<void>;
  /** Paths of everything under a snapshot folder, relative to it. */
  list(snapshotPath: string): Promise<string[]>;
  /** The tree node at a path (type, mode, times, link target...). */
  node(snapshotPath: string): Promise<Node>;
}

export interface TestRepository {
  /** Writes into the snapshot being made (a new one is started after each commit). */
  sink: SnapshotSink;
  /** Commits what was written so far as a snapshot and opens it for reading. */
  commit(): Promise<SnapshotReadBack>;
  close(): Promise<void>;
}

/** A new repository in a temporary folder. */
export async function openTestRepository(): Promise<TestRepository> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-repo-'));
  const repo = await Repository.init(new LocalBackend(path.join(dir, 'repo')), 'test password');
  let opened: Promise<{ writer: SnapshotWriter; sink: SnapshotSink }> | undefined;
  const current = () => (opened ??= openSnapshotSink(repo, { workers: 1 }));
  const sink: SnapshotSink = {
    addFile: async (...a) => (await current()).sink.addFile(...a),
    addStream: async (...a) => (await current()).sink.addStream(...a),
    addTree: async (...a) => (await current()).sink.addTree(...a),
  };
  let n = 0;
  return {
    sink,
    async commit() {
      const w = (await current()).writer;
      opened = undefined;
      const id = await w.commit({ tags: ['test'] });
      const info = await repo.findSnapshot(id);
      return {
        info,
        async readFile(p) {
          const { node } = await findPath(repo, info, p);
          const parts: Buffer[] = [];
          for await (const b of readFile(repo, node)) parts.push(b);
          return Buffer.concat(parts);
        },
        async extractTree(p, dest, refusedOk = []) {
          const target = path.join(dir, `restore-${n++}`);
          const r = await restoreSnapshot(repo, info, target, { include: p });
          const errors = r.errors.filter((e) => !refusedOk.some((ok) => e.startsWith(`${ok}: `)));
          if (errors.length) throw new Error(errors.join('\n'));
          fs.rmSync(dest, { recursive: true, force: true });
          fs.mkdirSync(path.dirname(dest), { recursive: true });
          fs.renameSync(path.join(target, p), dest);
        },
        async list(p) {
          const { node } = await findPath(repo, info, p);
          const out: string[] = [];
          if (node.subtree) for await (const e of walkTree(repo, node.subtree)) out.push(e.path.slice(1));
          return out.sort();
        },
        node: async (p) => (await findPath(repo, info, p)).node,
      };
    },
    async close() {
      if (opened) await (await opened).writer.abort().catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RecordingContext extends JobContext {
  warnings: string[];
  phases: string[];
  counts: Counts;
  /** Every progress update, in order. */
  updates: (Partial<Counts> & { phase?: string })[];
  abort(reason?: unknown): void;
}

/** A JobContext that keeps what the source reports, for the test to look at. */
export function recordingContext(): RecordingContext {
  const controller = new AbortController();
  const ctx: RecordingContext = {
    signal: controller.signal,
    warnings: [],
    phases: [],
    counts: { bytesDone: 0, itemsDone: 0 },
    updates: [],
    abort: (reason) => controller.abort(reason),
    progress(update) {
      ctx.updates.push(update);
      if (update.phase !== undefined && ctx.phases.at(-1) !== update.phase) ctx.phases.push(update.phase);
      Object.assign(ctx.counts, Object.fromEntries(Object.entries(update).filter(([k]) => k !== 'phase')));
    },
    warn(message) {
      ctx.warnings.push(message);
    },
    retry: (fn, opts) => withRetry(fn, { ...opts, baseDelayMs: 10, signal: controller.signal }),
  };
  return ctx;
}

export interface SourceTestEnvironment {
  /** The lab with the services asked for (started in beforeAll). */
  lab: Lab;
  /** A new repository to back up into. */
  out: TestRepository;
  /** A temporary folder of the test file's own. */
  tmp: string;
}

/**
 * One lab (only the services named), one repository and one temporary folder for a test file,
 * made in beforeAll and gone in afterAll. Its fields are there once beforeAll has run.
 */
export function sourceTestEnvironment(services: string[], name: string): SourceTestEnvironment {
  const env = {} as SourceTestEnvironment;
  beforeAll(async () => {
    env.lab = await startLab({ owner: process.pid, services });
    env.out = await openTestRepository();
    env.tmp = fs.mkdtempSync(path.join(os.tmpdir(), `lifeboat-${name}-test-`));
  });
  afterAll(async () => {
    await env.out?.close();
    if (env.tmp) fs.rmSync(env.tmp, { recursive: true, force: true });
    await env.lab?.stop();
  });
  return env;
}
