// What lifeboat.yaml says of an object-store bucket an application uses (`buckets:` list), and
// the S3 client for it. Credentials come from the config's files or AWS_* variables; they are
// never printed (an error names the bucket and the variable or file to check).
import fs from 'node:fs';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Shape } from '../../config/schema.ts';
import { requestDeadlineMs } from '../../deadline.ts';
import { errorLine } from '../../errors.ts';

export interface BucketConfig {
  /** The bucket's name in lifeboat (snapshot folder, item id); often the bucket's own name. */
  name: string;
  /** The S3 API endpoint, e.g. http://127.0.0.1:9000 (default AWS). */
  endpoint?: string;
  bucket: string;
  /** Only keys under this prefix. */
  prefix?: string;
  region?: string;
  accessKeyId?: string;
  secretAccessKeyFile?: string;
}

export const BUCKETS_CONFIG_SHAPE: Record<string, Shape> = {
  'buckets?': [
    { name: 'string', 'endpoint?': 'string', bucket: 'string', 'prefix?': 'string', 'region?': 'string', 'accessKeyId?': 'string', 'secretAccessKeyFile?': 'string' },
  ],
};

export const bucketWhere = (b: BucketConfig) => `${b.endpoint ?? 'https://s3.amazonaws.com'}/${b.bucket}${b.prefix ? `/${b.prefix}` : ''}`;

type Sdk = typeof import('@aws-sdk/client-s3');
let sdkLoad: Promise<Sdk> | undefined;
/** The SDK loads in a tenth of a second: only a backup or restore with buckets pays it. */
export const s3Sdk = (): Promise<Sdk> => (sdkLoad ??= import('@aws-sdk/client-s3'));

export async function bucketClient(b: BucketConfig, env: NodeJS.ProcessEnv = process.env): Promise<S3Client> {
  const s = await s3Sdk();
  let secret = env.AWS_SECRET_ACCESS_KEY;
  if (b.secretAccessKeyFile) {
    try {
      secret = fs.readFileSync(b.secretAccessKeyFile, 'utf8').trim();
    } catch (e) {
      throw new Error(`cannot read the secret key file ${b.secretAccessKeyFile} of bucket '${b.name}': ${errorLine(e)}`);
    }
  }
  const accessKeyId = b.accessKeyId ?? env.AWS_ACCESS_KEY_ID;
  if (!accessKeyId || !secret) throw new Error(`bucket '${b.name}' needs credentials: set buckets[].accessKeyId and secretAccessKeyFile, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`);
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new s.S3Client({
    endpoint: b.endpoint,
    forcePathStyle: b.endpoint !== undefined,
    region: b.region ?? (env.AWS_DEFAULT_REGION || env.AWS_REGION || 'us-east-1'),
    credentials: { accessKeyId, secretAccessKey: secret, sessionToken: b.accessKeyId ? undefined : env.AWS_SESSION_TOKEN },
    requestHandler: { connectionTimeout: requestDeadlineMs(), socketTimeout: requestDeadlineMs() },
    // Checksums only where S3 asks for them: a streamed body would otherwise go out aws-chunked,
    // which S3-compatible servers (s3rver, older MinIO) store as it came, framing and all.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** An S3 error in one line, without the SDK's stack or any credential. */
export function s3ErrorLine(e: unknown): string {
  const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = err.$metadata?.httpStatusCode;
  return `${err.name && err.name !== 'Error' ? `${err.name}: ` : ''}${errorLine(e)}${status ? ` (HTTP ${status})` : ''}`;
}

/** The inventory and restore item of a bucket. */
export const bucketItemId = (name: string) => `bucket:${name}`;
