// etcd: the snapshot written to a file (its SHA-256 trailer checked), restored into a new data
// directory as `etcdutl snapshot restore` does: new member and cluster ids (a new cluster token),
// then the revision moved on and the history before it compacted, so Kubernetes' watches cannot
// mistake the restored state for one they saw. With etcdutl (3.5+) that is --bump-revision and
// --mark-compacted. etcd 3.4's etcdctl has neither: lifeboat then starts the restored member
// alone on loopback ports, writes a key as many times as the bump asks (each write is one
// revision), deletes it, compacts at the last revision, and stops it.
import { execFile, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Etcd3 } from 'etcd3';
import type { JobContext } from '../../jobs/runner.ts';
import { Containment } from '../../repository/contain.ts';
import { NotFoundError } from '../../repository/errors.ts';
import { findPath, readFile } from '../../repository/reader.ts';
import { ETCD_SNAPSHOT_PATH, TrailingSha256 } from './backup.ts';
import { errorLine } from '../../errors.ts';
import { hasEntries, type ApplyContext } from '../../restore/apply-context.ts';
import { waitFor } from '../../restore/objects-apply.ts';
import type { SourcePlanContext } from '../../restore/plan.ts';
import type { ApplyResult, EtcdAction } from '../../restore/types.ts';
import { ETCD_ITEM_ID } from '../item-ids.ts';
import { mention } from '../../mentions.ts';

export const DEFAULT_BUMP_REVISION = 10_000;

export function which(program: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = path.join(dir || '.', program);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

function swapSteps(a: Pick<EtcdAction, 'dataDir' | 'name' | 'initialAdvertisePeerUrls'>): string[] {
  return [
    'stop every kube-apiserver (nothing may write to etcd while it is swapped)',
    'stop etcd on every member',
    'move the old data directory aside: mv <data-dir> <data-dir>.before-restore',
    `move the restored one into place: mv ${a.dataDir} <data-dir> (or start etcd with --data-dir ${a.dataDir})`,
    `start etcd with --name ${a.name} and --initial-advertise-peer-urls ${a.initialAdvertisePeerUrls} (the restored member's; --initial-cluster is read only on a first start)`,
    "check it: etcdctl endpoint status -w table (a new cluster id; the revision moved on)",
    'start the API servers, then restart controllers and kubelets so every watch lists afresh',
  ];
}

export async function planEtcd(ctx: SourcePlanContext): Promise<EtcdAction[]> {
  try {
    await findPath(ctx.repo, ctx.snapshot, ETCD_SNAPSHOT_PATH);
  } catch (e) {
    if (e instanceof NotFoundError) {
      if (ctx.scope.sources?.includes('etcd')) ctx.warnings.push(`etcd: snapshot ${ctx.short} holds no etcd snapshot`);
      return [];
    }
    throw e;
  }
  const name = ctx.options.etcdName ?? 'default';
  const peer = ctx.options.etcdInitialAdvertisePeerUrls ?? 'http://localhost:2380';
  const base = {
    source: 'etcd' as const,
    id: ETCD_ITEM_ID,
    title: 'etcd snapshot',
    from: ETCD_SNAPSHOT_PATH,
    dataDir: ctx.options.etcdDataDir ? path.resolve(ctx.options.etcdDataDir) : undefined,
    name,
    initialAdvertisePeerUrls: peer,
    initialCluster: ctx.options.etcdInitialCluster ?? `${name}=${peer}`,
    bumpRevision: ctx.options.etcdBumpRevision ?? DEFAULT_BUMP_REVISION,
    warnings: [] as string[],
  };
  if (!base.dataDir) return [{ ...base, verb: 'skip', reason: `no new data directory: give ${mention('etcdDataDir', 'DIR')}`, steps: [] }];
  if (hasEntries(base.dataDir, fs)) return [{ ...base, verb: 'skip', reason: `${base.dataDir} is not empty: restore into a new folder`, steps: [] }];
  const tool = which('etcdutl') ? 'etcdutl snapshot restore --bump-revision --mark-compacted' : 'etcdctl snapshot restore (3.4: the revision is moved on by writes and compacted after)';
  const bump = base.bumpRevision ? `, revision moved on by ${base.bumpRevision}` : '';
  return [{ ...base, verb: 'restore', reason: `into ${base.dataDir} with ${tool}: new member and cluster ids${bump}`, steps: swapSteps(base) }];
}

function run(program: string, args: string[], signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(program, args, { signal, env: { ...process.env, ETCDCTL_API: '3' } }, (err, stdout, stderr) =>
      err ? reject(new Error(`${path.basename(program)}: ${stderr.trim().split('\n').at(-1) || errorLine(err)}`)) : resolve(stdout),
    ),
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Starts the restored member alone on loopback, moves its revision on by `bump`, compacts, stops it. */
async function bumpWithWrites(job: JobContext, a: EtcdAction): Promise<number> {
  const [client, peer] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${client}`;
  const log = `${a.dataDir}.bump.log`;
  const out = fs.openSync(log, 'w');
  const child = spawn(
    'etcd',
    ['--name', a.name, '--data-dir', a.dataDir!, '--listen-client-urls', url, '--advertise-client-urls', url, '--listen-peer-urls', `http://127.0.0.1:${peer}`],
    { stdio: ['ignore', out, out], env: { ...process.env, ETCD_UNSUPPORTED_ARCH: process.env.ETCD_UNSUPPORTED_ARCH ?? '' } },
  );
  fs.closeSync(out);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const etcd = new Etcd3({ hosts: [url], dialTimeout: 5000 });
  try {
    await waitFor(
      `the restored etcd to answer on ${url} (see ${log})`,
      async () => {
        if (child.exitCode !== null) throw new Error(`etcd exited with ${child.exitCode} on the restored data: see ${log}`);
        const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined);
        return Boolean(res?.ok);
      },
      30_000,
      job.signal,
    );
    const key = '/lifeboat/restore-revision-bump';
    let done = 0;
    job.progress({ phase: `moving the revision on by ${a.bumpRevision}`, itemsDone: 0, itemsTotal: a.bumpRevision });
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < a.bumpRevision - 1) {
          next++;
          job.signal.throwIfAborted();
          await etcd.put(key).value('');
          job.progress({ itemsDone: ++done });
        }
      }),
    );
    await etcd.delete().key(key);
    const revision = Number((await etcd.kv.range({ key: Buffer.from(key), limit: '1' })).header.revision);
    job.progress({ phase: `compacting at revision ${revision}`, itemsDone: a.bumpRevision });
    await etcd.kv.compact({ revision: String(revision), physical: true });
    return revision;
  } finally {
    etcd.close();
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

export async function applyEtcd(job: JobContext, ctx: ApplyContext, actions: EtcdAction[]): Promise<ApplyResult> {
  const a = actions[0];
  if (!a) return { items: [] };
  const item = { id: a.id, title: a.title };
  if (a.verb === 'skip') return { items: [{ ...item, outcome: 'skipped', reason: a.reason }] };
  const file = `${a.dataDir}.snapshot.db`;
  try {
    const { node } = await findPath(ctx.repo, ctx.snapshot, a.from);
    job.progress({ phase: 'writing the snapshot file', bytesDone: 0, bytesTotal: node.size ?? undefined });
    // A new file, never written through a link (Containment: O_EXCL | O_NOFOLLOW after removing what is there).
    const { fd } = new Containment(path.dirname(file)).createFile([], path.basename(file));
    const sha = new TrailingSha256();
    let bytes = 0;
    try {
      for await (const b of readFile(ctx.repo, node)) {
        sha.update(b);
        fs.writeSync(fd, b);
        job.progress({ bytesDone: (bytes += b.length) });
      }
    } finally {
      fs.closeSync(fd);
    }
    if (!sha.result().matches) throw new Error(`the snapshot in ${a.from} does not end with the SHA-256 of its content: it is damaged`);
    const token = `lifeboat-restore-${ctx.plan.snapshot.short}-${crypto.randomBytes(4).toString('hex')}`;
    const common = ['--data-dir', a.dataDir!, '--name', a.name, '--initial-cluster', a.initialCluster, '--initial-advertise-peer-urls', a.initialAdvertisePeerUrls, '--initial-cluster-token', token];
    const notes = [`etcd: snapshot file kept at ${file}; restored into ${a.dataDir}`];
    let how: string;
    job.progress({ phase: 'restoring' });
    if (which('etcdutl')) {
      await run('etcdutl', ['snapshot', 'restore', file, ...common, ...(a.bumpRevision ? ['--bump-revision', String(a.bumpRevision), '--mark-compacted'] : [])], job.signal);
      how = a.bumpRevision ? `etcdutl, revision bumped by ${a.bumpRevision} and marked compacted` : 'etcdutl';
    } else {
      await run('etcdctl', ['snapshot', 'restore', file, ...common], job.signal);
      how = 'etcdctl 3.4 (no --bump-revision there)';
      if (a.bumpRevision) {
        const revision = await bumpWithWrites(job, a);
        how += `; revision moved on by ${a.bumpRevision} writes to ${revision} and compacted there`;
      }
    }
    notes.push('to run the cluster on it:', ...a.steps.map((s, i) => `  ${i + 1}. ${s}`));
    return { items: [{ ...item, outcome: 'restored', reason: `into ${a.dataDir} with ${how}; new cluster token ${token}` }], notes };
  } catch (e) {
    if (job.signal.aborted) throw e;
    return { items: [{ ...item, outcome: 'failed', reason: errorLine(e) }] };
  }
}
