// The bucket source: an application's S3 bucket (or a prefix of it) object by object. Each
// object's bytes go to /buckets/<name>/data/<file>, and /buckets/<name>/objects.json lists every
// object with its key, size, content type, user metadata, ETag and time (restic's repository
// deduplicates the bytes). The file name comes from the key, the ETag and the time, so an object
// unchanged since the previous backup is kept from it without being downloaded again.
import crypto from 'node:crypto';
import type { Readable } from 'node:stream';
import type { JobContext } from '../../jobs/runner.ts';
import type { SnapshotSink } from '../sink.ts';
import type { BackupSource, SourceResult } from '../types.ts';
import { errorLine } from '../../errors.ts';
import { bucketClient, bucketItemId, bucketWhere, s3ErrorLine, s3Sdk, type BucketConfig } from './config.ts';

export const BUCKETS_PATH = '/buckets';
export const bucketIndexPath = (name: string) => `${BUCKETS_PATH}/${name}/objects.json`;
export const bucketDataPath = (name: string, file: string) => `${BUCKETS_PATH}/${name}/data/${file}`;
export const BUCKET_INDEX_FORMAT = 'lifeboat-bucket/1';

/** One object as the bucket's index keeps it. */
export interface BucketObject {
  key: string;
  size: number;
  etag: string;
  lastModified: string;
  contentType?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  contentDisposition?: string;
  cacheControl?: string;
  metadata: Record<string, string>;
  /** Its bytes: bucketDataPath(name, file). */
  file: string;
}

export interface BucketIndex {
  format: typeof BUCKET_INDEX_FORMAT;
  endpoint?: string;
  bucket: string;
  prefix?: string;
  objects: BucketObject[];
}

/** The snapshot file of one version of one object: the same key, ETag and time give the same name. */
export function objectFile(key: string, etag: string, lastModified: string): string {
  return crypto.createHash('sha256').update(`${key}\0${etag}\0${lastModified}`).digest('hex').slice(0, 40);
}

export function bucketsSource(opts: { buckets: BucketConfig[]; only?: (id: string) => boolean; env?: NodeJS.ProcessEnv }): BackupSource {
  return {
    kind: 'buckets',
    title: 'Object-store buckets',
    async run(ctx: JobContext, sink: SnapshotSink): Promise<SourceResult> {
      const s = await s3Sdk();
      const result: SourceResult = { captured: [], skipped: [], bytes: 0, items: 0 };
      const buckets = opts.buckets.filter((b) => !opts.only || opts.only(bucketItemId(b.name)));
      const failures: string[] = [];
      let read = 0;
      let kept = 0;
      for (const b of buckets) {
        ctx.signal.throwIfAborted();
        try {
          const client = await bucketClient(b, opts.env);
          try {
            ctx.progress({ phase: `listing ${b.name}` });
            const listed: { Key: string; Size: number; ETag: string; LastModified: Date }[] = [];
            let token: string | undefined;
            do {
              const page = await client.send(new s.ListObjectsV2Command({ Bucket: b.bucket, Prefix: b.prefix || undefined, ContinuationToken: token }), { abortSignal: ctx.signal });
              for (const o of page.Contents ?? []) listed.push({ Key: o.Key!, Size: o.Size ?? 0, ETag: o.ETag ?? '', LastModified: o.LastModified ?? new Date(0) });
              token = page.IsTruncated ? page.NextContinuationToken : undefined;
            } while (token);
            const total = listed.reduce((n, o) => n + o.Size, 0);
            ctx.progress({ phase: `copying ${b.name}`, itemsTotal: result.items + listed.length, bytesTotal: result.bytes + total });
            const objects: BucketObject[] = [];
            for (const o of listed) {
              ctx.signal.throwIfAborted();
              const lastModified = o.LastModified.toISOString();
              const file = objectFile(o.Key, o.ETag, lastModified);
              // Metadata first (HEAD is cheap), then the bytes unless the previous backup has them.
              const head = await client.send(new s.HeadObjectCommand({ Bucket: b.bucket, Key: o.Key }), { abortSignal: ctx.signal });
              const entry: BucketObject = {
                key: o.Key,
                size: o.Size,
                etag: o.ETag,
                lastModified,
                contentType: head.ContentType,
                contentEncoding: head.ContentEncoding,
                contentLanguage: head.ContentLanguage,
                contentDisposition: head.ContentDisposition,
                cacheControl: head.CacheControl,
                metadata: head.Metadata ?? {},
                file,
              };
              if (head.ETag && head.ETag !== o.ETag) {
                // Changed between the listing and now: take the new version, named by it.
                entry.etag = head.ETag;
                entry.lastModified = (head.LastModified ?? o.LastModified).toISOString();
                entry.size = head.ContentLength ?? o.Size;
                entry.file = objectFile(o.Key, entry.etag, entry.lastModified);
              }
              const where = bucketDataPath(b.name, entry.file);
              if (await sink.keepFromParent?.(where)) {
                kept++;
              } else {
                const got = await client.send(new s.GetObjectCommand({ Bucket: b.bucket, Key: o.Key, IfMatch: entry.etag || undefined }), { abortSignal: ctx.signal });
                const before = result.bytes;
                const { size } = await sink.addStream(where, got.Body as Readable, { signal: ctx.signal, onBytes: (n) => ctx.progress({ bytesDone: before + n }) });
                entry.size = size;
                read++;
              }
              objects.push(entry);
              result.bytes += entry.size;
              result.items++;
              ctx.progress({ bytesDone: result.bytes, itemsDone: result.items });
            }
            const index: BucketIndex = { format: BUCKET_INDEX_FORMAT, endpoint: b.endpoint, bucket: b.bucket, prefix: b.prefix, objects };
            await sink.addFile(bucketIndexPath(b.name), JSON.stringify(index, null, 1), { mode: 0o600 });
            result.captured.push({
              id: bucketItemId(b.name),
              path: `${BUCKETS_PATH}/${b.name}`,
              bytes: objects.reduce((n, o) => n + o.size, 0),
              items: objects.length,
              details: { bucket: bucketWhere(b), objects: objects.length },
            });
          } finally {
            client.destroy();
          }
        } catch (e) {
          if (ctx.signal.aborted) throw e;
          failures.push(`bucket '${b.name}' (${bucketWhere(b)}): ${e instanceof Error && '$metadata' in e ? s3ErrorLine(e) : errorLine(e)}`);
        }
      }
      result.details = { objectsRead: read, objectsUnchanged: kept };
      if (failures.length) throw new Error(failures.join('; '));
      return result;
    },
  };
}
