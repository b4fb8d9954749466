// Restoring a bucket (/buckets/<name>/objects.json and its data files) object by object, with
// its content type and user metadata, into the configured bucket of the same name or the one
// --bucket-map names (on the same endpoint). A missing bucket is created. An object already
// there with the same ETag is left; one that differs is kept (existing policy skip) or
// overwritten (update, recreate).
import { mention } from '../../mentions.ts';
import { Readable } from 'node:stream';
import type { JobContext } from '../../jobs/runner.ts';
import { findPath, readFile } from '../../repository/reader.ts';
import type { ApplyContext } from '../../restore/apply-context.ts';
import { applyEach } from '../../restore/apply-context.ts';
import type { SourcePlanContext } from '../../restore/plan.ts';
import { scopedFolders } from '../../restore/snapshot-folders.ts';
import type { ApplyResult, ItemResult } from '../../restore/types.ts';
import { errorLine } from '../../errors.ts';
import { BUCKETS_PATH, bucketDataPath, bucketIndexPath, type BucketIndex } from './backup.ts';
import { bucketItemId } from './config.ts';
import { bucketClient, bucketWhere, s3ErrorLine, s3Sdk, type BucketConfig } from './config.ts';

export interface BucketAction {
  source: 'buckets';
  id: string;
  title: string;
  reason: string;
  warnings: string[];
  verb: 'restore' | 'create' | 'skip';
  /** The snapshot's bucket name (its folder). */
  name: string;
  target?: BucketConfig;
  objects?: number;
  bytes?: number;
}

async function readIndex(ctx: SourcePlanContext | ApplyContext, name: string): Promise<BucketIndex> {
  const { node } = await findPath(ctx.repo, ctx.snapshot, bucketIndexPath(name));
  const parts: Buffer[] = [];
  for await (const b of readFile(ctx.repo, node)) parts.push(b);
  return JSON.parse(Buffer.concat(parts).toString('utf8')) as BucketIndex;
}

async function bucketExists(b: BucketConfig, signal?: AbortSignal): Promise<boolean> {
  const s = await s3Sdk();
  const client = await bucketClient(b);
  try {
    await client.send(new s.HeadBucketCommand({ Bucket: b.bucket }), { abortSignal: signal });
    return true;
  } catch (e) {
    if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw new Error(s3ErrorLine(e));
  } finally {
    client.destroy();
  }
}

export async function planBuckets(ctx: SourcePlanContext): Promise<BucketAction[]> {
  const names = await scopedFolders(ctx, BUCKETS_PATH);
  const out: BucketAction[] = [];
  for (const name of names) {
    const index = await readIndex(ctx, name);
    const bytes = index.objects.reduce((n, o) => n + o.size, 0);
    const base = { source: 'buckets' as const, id: bucketItemId(name), title: `bucket ${name}`, name, objects: index.objects.length, bytes, warnings: [] as string[] };
    const configured = (ctx.target.config?.buckets ?? []).find((b) => b.name === name);
    const mapped = ctx.options.bucketMap?.[name];
    if (!configured) {
      out.push({ ...base, verb: 'skip', reason: `no bucket named '${name}' is configured here: add it to buckets[] of lifeboat.yaml` });
      continue;
    }
    const target: BucketConfig = mapped ? { ...configured, bucket: mapped } : configured;
    const where = `${bucketWhere(target)}${mapped ? ` (${mention('bucketMap')})` : ''}`;
    let exists: boolean;
    try {
      exists = await bucketExists(target, ctx.signal);
    } catch (err) {
      out.push({ ...base, target, verb: 'skip', reason: `cannot reach ${bucketWhere(target)}: ${errorLine(err)}` });
      continue;
    }
    const keep = (ctx.options.existingPolicy ?? 'skip') === 'skip' ? 'kept' : 'overwritten';
    if (!exists) out.push({ ...base, target, verb: 'create', reason: `the bucket does not exist: created, then ${index.objects.length} objects written into ${where}` });
    else out.push({ ...base, target, verb: 'restore', reason: `${index.objects.length} objects written into ${where}; objects already there with the same ETag are left, others ${keep}` });
  }
  return out;
}

export async function applyBuckets(job: JobContext, ctx: ApplyContext, actions: BucketAction[]): Promise<ApplyResult> {
  const s = await s3Sdk();
  let bytes = 0;
  job.progress({ phase: 'restoring', bytesDone: 0, itemsDone: 0, itemsTotal: actions.length });
  const overwrite = (ctx.options.existingPolicy ?? 'skip') !== 'skip';
  const items = await applyEach(job, actions, async (a, item): Promise<ItemResult> => {
    const target = a.target!;
    const index = await readIndex(ctx, a.name);
    const client = await bucketClient(target);
    const counts = { written: 0, same: 0, kept: 0 };
    try {
      if (a.verb === 'create') await client.send(new s.CreateBucketCommand({ Bucket: target.bucket }), { abortSignal: job.signal });
      for (const o of index.objects) {
        job.signal.throwIfAborted();
        const live = a.verb === 'create' ? undefined : await client.send(new s.HeadObjectCommand({ Bucket: target.bucket, Key: o.key }), { abortSignal: job.signal }).catch((e) => {
          if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
          throw e;
        });
        if (live && live.ETag === o.etag) {
          counts.same++;
          continue;
        }
        if (live && !overwrite) {
          counts.kept++;
          continue;
        }
        const { node } = await findPath(ctx.repo, ctx.snapshot, bucketDataPath(a.name, o.file));
        const body = Readable.from(readFile(ctx.repo, node));
        await client.send(
          new s.PutObjectCommand({
            Bucket: target.bucket,
            Key: o.key,
            Body: body,
            ContentLength: o.size,
            ContentType: o.contentType,
            ContentEncoding: o.contentEncoding,
            ContentLanguage: o.contentLanguage,
            ContentDisposition: o.contentDisposition,
            CacheControl: o.cacheControl,
            Metadata: o.metadata,
          }),
          { abortSignal: job.signal },
        );
        counts.written++;
        job.progress({ bytesDone: (bytes += o.size) });
      }
    } catch (e) {
      throw new Error(`${bucketWhere(target)}: ${e instanceof Error && '$metadata' in e ? s3ErrorLine(e) : errorLine(e)}`);
    } finally {
      client.destroy();
    }
    const parts = [`${counts.written} objects written`, counts.same ? `${counts.same} already there` : '', counts.kept ? `${counts.kept} that differ kept (existing policy skip)` : ''].filter(Boolean);
    return { ...item, outcome: a.verb === 'create' ? 'created' : 'restored', reason: `${parts.join(', ')} into ${bucketWhere(target)}` };
  });
  return { items };
}
