// A SnapshotSink for the source tests, and a JobContext that records what a source reports.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { JobContext } from '../../src/engine/jobs/runner.ts';
import type { SnapshotSink, TreeProgress } from '../../src/engine/sources/sink.ts';
import { withRetry } from '../../src/engine/jobs/retry.ts';
import type { Counts } from '../../src/engine/jobs/events.ts';

export interface TestSink {
  sink: SnapshotSink;
  /** A file of the snapshot, read back. */
  readFile(snapshotPath: string): Promise<Buffer>;
  /** A folder of the snapshot, written out to `dest` (modes, times, links). */
  extractTree(snapshotPath: string, dest: string): Promise<void>;
  /** Paths of the files under a snapshot folder, relative to it. */
  list(snapshotPath: string): Promise<string[]>;
  close(): Promise<void>;
}

function copyTree(src: string, dest: string, p: TreeProgress, onProgress?: (p: TreeProgress) => void, signal?: AbortSignal): void {
  const st = fs.lstatSync(src);
  fs.mkdirSync(dest, { recursive: true });
  for (const e of fs.readdirSync(src, { withFileTypes: true })) {
    signal?.throwIfAborted();
    const s = path.join(src, e.name);
    const d = path.join(dest, e.name);
    const est = fs.lstatSync(s);
    p.items++;
    if (e.isSymbolicLink()) {
      fs.symlinkSync(fs.readlinkSync(s), d);
      fs.lutimesSync(d, est.atime, est.mtime);
    } else if (e.isDirectory()) {
      copyTree(s, d, p, onProgress, signal);
    } else if (e.isFile()) {
      fs.copyFileSync(s, d);
      fs.chmodSync(d, est.mode & 0o7777);
      fs.utimesSync(d, est.atime, est.mtime);
      p.bytes += est.size;
    }
    onProgress?.({ ...p });
  }
  fs.chmodSync(dest, st.mode & 0o7777);
  fs.utimesSync(dest, st.atime, st.mtime);
}

/** A sink that writes the snapshot's tree into a temporary folder. */
export async function openTestSink(): Promise<TestSink> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-sink-'));
  const at = (p: string) => path.join(root, p);
  const sink: SnapshotSink = {
    async addFile(p, data, meta) {
      fs.mkdirSync(path.dirname(at(p)), { recursive: true });
      fs.writeFileSync(at(p), data, { mode: meta?.mode ?? 0o644 });
    },
    async addStream(p, stream, opts) {
      fs.mkdirSync(path.dirname(at(p)), { recursive: true });
      const fd = fs.openSync(at(p), 'w', opts?.mode ?? 0o644);
      let size = 0;
      try {
        for await (const chunk of stream) {
          opts?.signal?.throwIfAborted();
          fs.writeSync(fd, chunk);
          size += chunk.length;
          opts?.onBytes?.(size);
        }
      } finally {
        fs.closeSync(fd);
      }
      return { size };
    },
    async addTree(p, dir, opts) {
      const progress = { bytes: 0, items: 0 };
      copyTree(dir, at(p), progress, opts?.onProgress, opts?.signal);
      return progress;
    },
  };
  return {
    sink,
    readFile: async (p) => fs.readFileSync(at(p)),
    extractTree: async (p, dest) => copyTree(at(p), dest, { bytes: 0, items: 0 }),
    list: async (p) =>
      (fs.readdirSync(at(p), { recursive: true, withFileTypes: true }) as fs.Dirent[])
        .filter((e) => !e.isDirectory())
        .map((e) => path.relative(at(p), path.join(e.parentPath, e.name)))
        .sort(),
    close: async () => fs.rmSync(root, { recursive: true, force: true }),
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
