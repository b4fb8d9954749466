// The buckets source: an application's S3 bucket (or a prefix of it) object by object under
// /buckets/<name>/, incremental by ETag and time; restored object by object, with content types
// and user metadata, into the same bucket or the one --bucket-map names.
import type { SourceModule } from '../source.ts';
import { BUCKETS_CONFIG_SHAPE, bucketItemId, bucketWhere, type BucketConfig } from './config.ts';
import type { BucketAction } from './restore.ts';

declare module '../types.ts' {
  interface SourceNames {
    buckets: true;
  }
}
declare module '../../restore/types.ts' {
  interface RestoreActions {
    buckets: BucketAction;
  }
  interface RestoreOptions {
    /** Buckets: the snapshot's bucket name -> the bucket restored into (same endpoint). */
    bucketMap?: Record<string, string>;
  }
}
declare module '../../config/schema.ts' {
  interface LifeboatConfig {
    buckets?: BucketConfig[];
  }
}

export const bucketsSourceModule: SourceModule = {
  kind: 'buckets',
  snapshotPath: '/buckets',
  itemPrefix: 'bucket',
  config: {
    shape: BUCKETS_CONFIG_SHAPE,
    notConfigured: 'no buckets: add buckets[] (name, endpoint, bucket, prefix) to lifeboat.yaml',
    resolvePaths(config, abs) {
      for (const b of config.buckets ?? []) b.secretAccessKeyFile = abs(b.secretAccessKeyFile);
    },
  },
  endpoints: {
    kind: 'bucket',
    // The endpoint and bucket, never a key.
    list: (config) => (config.buckets ?? []).map((b) => ({ name: b.name, address: bucketWhere(b) })),
    async probe(ep, { signal }) {
      const res = await fetch(new URL(ep.address), { method: 'HEAD', signal });
      return `S3 answered HTTP ${res.status}`;
    },
  },
  async backup({ config, only, env }) {
    if (!config.buckets?.length) return undefined;
    const { bucketsSource } = await import('./backup.ts');
    return bucketsSource({ buckets: config.buckets, only, env });
  },
  inventory: ({ config }) =>
    (config.buckets ?? []).map((b) => ({
      id: bucketItemId(b.name),
      group: 'buckets',
      kind: 'Bucket',
      name: b.name,
      source: 'buckets' as const,
      verdict: 'needs-backup' as const,
      reason: `S3 bucket ${bucketWhere(b)}: its objects with their metadata`,
    })),
  restore: {
    name: 'buckets',
    title: 'Buckets',
    label: 'object-store buckets',
    byDefault: true,
    order: 66,
    plan: async (ctx) => (await import('./restore.ts')).planBuckets(ctx),
    apply: async (job, ctx, actions) => (await import('./restore.ts')).applyBuckets(job, ctx, actions as BucketAction[]),
  },
};
