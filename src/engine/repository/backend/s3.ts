// A repository in an S3 bucket (AWS or any S3-compatible server), in restic's layout under a
// prefix. An S3 PUT is atomic by itself: an object is either there whole or not at all.
import { requestDeadlineMs } from '../../deadline.ts';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  CreateBucketCommand,
  HeadBucketCommand,
} from '@aws-sdk/client-s3';
import { isId, type Backend, type FileInfo, type FileType } from './backend.ts';

export interface S3Location {
  endpoint?: string;
  bucket: string;
  prefix: string;
}

/** Parses restic's S3 syntax: `s3:http://host:port/bucket/prefix` or `s3:host/bucket/prefix`. */
export function parseS3Url(url: string): S3Location {
  let rest = url.replace(/^s3:/, '');
  let endpoint: string | undefined;
  const m = /^(https?:\/\/[^/]+)\/(.*)$/.exec(rest);
  if (m) {
    endpoint = m[1];
    rest = m[2]!;
  } else {
    const slash = rest.indexOf('/');
    const host = slash < 0 ? rest : rest.slice(0, slash);
    rest = slash < 0 ? '' : rest.slice(slash + 1);
    if (host !== 's3.amazonaws.com') endpoint = `https://${host}`;
  }
  const [bucket, ...prefix] = rest.split('/').filter(Boolean);
  if (!bucket) throw new Error(`S3 location ${url} names no bucket: use s3:http://host:port/bucket/prefix`);
  return { endpoint, bucket, prefix: prefix.join('/') };
}

export class S3Backend implements Backend {
  readonly location: string;
  private client: S3Client;
  private bucket: string;
  private prefix: string;

  constructor(url: string, env: NodeJS.ProcessEnv = process.env) {
    const loc = parseS3Url(url);
    this.location = url;
    this.bucket = loc.bucket;
    this.prefix = loc.prefix ? loc.prefix.replace(/\/+$/, '') + '/' : '';
    const credentials =
      env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
        ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN }
        : undefined;
    // The SDK warns on every start under Node 20 about its future Node 22 requirement: noise
    // on a command's stderr.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    this.client = new S3Client({
      endpoint: loc.endpoint,
      forcePathStyle: loc.endpoint !== undefined,
      region: env.AWS_DEFAULT_REGION || env.AWS_REGION || 'us-east-1',
      credentials,
      // A store that accepts and never answers fails in time (--request-timeout): the socket's
      // idle deadline, so a large pack that keeps moving is not cut.
      requestHandler: { connectionTimeout: requestDeadlineMs(), socketTimeout: requestDeadlineMs() },
    });
  }

  private key(name: string): string {
    return this.prefix + name;
  }

  async create(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch {
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
    }
  }

  async exists(name: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(name) }));
      return true;
    } catch (e) {
      const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (err.name === 'NotFound' || err.name === 'NoSuchKey' || err.$metadata?.httpStatusCode === 404) return false;
      throw e;
    }
  }

  async read(name: string, offset?: number, length?: number): Promise<Buffer> {
    let range: string | undefined;
    if (offset !== undefined && offset < 0) range = `bytes=${offset}`;
    else if (offset !== undefined) range = length === undefined ? `bytes=${offset}-` : `bytes=${offset}-${offset + length - 1}`;
    if (length === 0) return Buffer.alloc(0);
    const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(name), Range: range }));
    const bytes = await res.Body!.transformToByteArray();
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  async write(name: string, data: Uint8Array): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key(name), Body: data, ContentLength: data.length }));
  }

  async remove(name: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(name) }));
  }

  async list(type: FileType): Promise<FileInfo[]> {
    const out: FileInfo[] = [];
    let token: string | undefined;
    do {
      const res = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.key(type + '/'), ContinuationToken: token }),
      );
      for (const o of res.Contents ?? []) {
        const id = o.Key!.slice(o.Key!.lastIndexOf('/') + 1);
        if (isId(id)) out.push({ id, size: o.Size ?? 0 });
      }
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  async size(name: string): Promise<number> {
    const res = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(name) }));
    return res.ContentLength ?? 0;
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
