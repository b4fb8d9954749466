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
  type GetObjectCommandOutput,
  type HeadObjectCommandOutput,
  type ListObjectsV2CommandOutput,
} from '@aws-sdk/client-s3';
import { RepositoryConfigError, RepositoryError } from '../errors.ts';
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

const NOT_FOUND = new Set(['NotFound', 'NoSuchKey']);
const BAD_CREDENTIALS = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'InvalidToken', 'ExpiredToken', 'Forbidden']);
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'TimeoutError']);

/**
 * The SDK's errors in one line naming the repository and the fix. Missing credentials are a
 * configuration problem; a refused key, an absent bucket or a server that does not answer are not.
 */
export function explainS3Error(e: unknown, location: string, endpoint: string): unknown {
  const err = e as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = err.name ?? '';
  if (NOT_FOUND.has(name) || (err.$metadata?.httpStatusCode === 404 && name !== 'NoSuchBucket')) return e;
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(err.message ?? '')) {
    return new RepositoryConfigError(`the S3 repository ${location} needs credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE)`);
  }
  if (BAD_CREDENTIALS.has(name) || err.$metadata?.httpStatusCode === 403) {
    return new RepositoryError(`S3 at ${endpoint} refused the credentials for ${location} (${name || 'HTTP 403'}): check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`);
  }
  if (name === 'NoSuchBucket') return new RepositoryError(`the bucket of ${location} does not exist at ${endpoint}: create it, or run 'repo init' to create the repository`);
  const code = err.code ?? (UNREACHABLE.has(name) ? name : undefined) ?? /\b(E[A-Z]+)\b/.exec(err.message ?? '')?.[1];
  if (code && UNREACHABLE.has(code)) return new RepositoryError(`cannot reach S3 at ${endpoint} for ${location} (${code}): check the address and that the server runs`);
  return e;
}

export class S3Backend implements Backend {
  readonly location: string;
  private client: S3Client;
  private bucket: string;
  private prefix: string;
  private endpoint: string;

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
    this.endpoint = loc.endpoint ?? 'https://s3.amazonaws.com';
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

  /** One S3 call; a failure that is not about the object itself says what to check. */
  private async send<T = unknown>(command: unknown): Promise<T> {
    try {
      return (await this.client.send(command as never)) as T;
    } catch (e) {
      throw explainS3Error(e, this.location, this.endpoint);
    }
  }

  private key(name: string): string {
    return this.prefix + name;
  }

  async create(): Promise<void> {
    try {
      await this.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch {
      await this.send(new CreateBucketCommand({ Bucket: this.bucket }));
    }
  }

  async exists(name: string): Promise<boolean> {
    try {
      await this.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(name) }));
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
    const res = await this.send<GetObjectCommandOutput>(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(name), Range: range }));
    const bytes = await res.Body!.transformToByteArray();
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  async write(name: string, data: Uint8Array): Promise<void> {
    await this.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key(name), Body: data, ContentLength: data.length }));
  }

  async remove(name: string): Promise<void> {
    await this.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(name) }));
  }

  async list(type: FileType): Promise<FileInfo[]> {
    const out: FileInfo[] = [];
    let token: string | undefined;
    do {
      const res = await this.send<ListObjectsV2CommandOutput>(
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
    const res = await this.send<HeadObjectCommandOutput>(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(name) }));
    return res.ContentLength ?? 0;
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
