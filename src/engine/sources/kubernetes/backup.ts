import yaml from 'js-yaml';
import { forEachLimit } from '../../jobs/pool.ts';
import { IncompleteError, type JobContext } from '../../jobs/runner.ts';
import type { KubeClient, KubeObject } from '../../kube/client.ts';
import { generatedReason } from '../../kinds/index.ts';
import { collectionPath, discover, namesResource, resourceName, type ApiResource } from '../../kube/discovery.ts';
import type { SnapshotSink } from '../sink.ts';
import type { BackupSource, CapturedItem, ItemFilter, SkippedItem, SourceResult } from '../types.ts';
import { objectId, objectPath } from './ids.ts';


export const DEFAULT_OPT_OUT_LABEL = 'lifeboat.dev/exclude';

export interface KubernetesSourceOptions {
  client: KubeClient;
  /** Only these namespaces (their Namespace objects, and the PVs and CRDs they use, come too). */
  namespaces?: string[];
  /** Only these resources, named as kubectl does: `deployments.apps`, `configmaps`. */
  resources?: string[];
  excludeResources?: string[];
  labelSelector?: string;
  /** Objects carrying this label with value "true" are left out. */
  optOutLabel?: string;
  /** Every version of each group, not only the preferred one. */
  allVersions?: boolean;
  /** Keep what the cluster regenerates (Events, Endpoints, Leases, controller-owned Pods...). */
  includeGenerated?: boolean;
  /** Only the objects whose ids pass (default all); lists only their collections. */
  only?: ItemFilter;
  /** With `only`: the `group/version/resource` collections worth listing (from the ids). */
  onlyCollections?: Set<string>;
  /** Collections listed at once. */
  concurrency?: number;
}

/**
 * A file time that only moves when the object does: the last write its managedFields record,
 * else its creation. A backup of an unchanged cluster then writes identical trees (no growth).
 */
function objectTime(obj: KubeObject): Date {
  const managed = (obj.metadata.managedFields as { time?: string }[] | undefined)?.map((m) => Date.parse(m.time ?? '')).filter((t) => !Number.isNaN(t)) ?? [];
  const created = Date.parse(String(obj.metadata.creationTimestamp ?? ''));
  const t = managed.length ? Math.max(...managed) : Number.isNaN(created) ? 0 : created;
  return new Date(t);
}

function matches(r: ApiResource, names: string[]): boolean {
  return names.some((n) => namesResource(r, n));
}

/** Resources at a version their group does not prefer (the only ones serving them), for the manifest. */
function notPreferred(resources: ApiResource[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of resources) {
    if (!r.preferred) out[resourceName(r)] = `${r.version}: the group prefers ${r.preferredVersion ?? '?'}, which does not serve it`;
  }
  return out;
}

/** Every listable API object of the cluster, one YAML file each. */
export function kubernetesSource(opts: KubernetesSourceOptions): BackupSource {
  return {
    kind: 'kubernetes',
    title: 'Kubernetes objects',
    async run(ctx: JobContext, sink: SnapshotSink): Promise<SourceResult> {
      const { client } = opts;
      const optOut = opts.optOutLabel ?? DEFAULT_OPT_OUT_LABEL;
      ctx.progress({ phase: 'discovery' });
      const onRetry = ({ attempt, reason }: { attempt: number; reason: string }) =>
        attempt === 3 && ctx.warn(`the API server keeps answering ${reason}; still retrying`);
      const version = await ctx.retry(() => client.requestOnce<{ gitVersion?: string }>('GET', '/version', undefined, { signal: ctx.signal }));
      const discovery = await ctx.retry(() => discover(client, { allVersions: opts.allVersions, signal: ctx.signal }));
      let resources = discovery.resources.filter((r) => r.verbs.includes('list'));
      if (opts.resources?.length) resources = resources.filter((r) => matches(r, opts.resources!) || (opts.namespaces?.length && r.resource === 'namespaces'));
      if (opts.onlyCollections) resources = resources.filter((r) => opts.onlyCollections!.has(`${r.group || 'core'}/${r.version}/${r.resource}`));
      if (opts.excludeResources?.length) resources = resources.filter((r) => !matches(r, opts.excludeResources!));
      if (opts.namespaces?.length) {
        // Cluster-scoped objects come along only where the namespaces need them.
        const needed = new Set(['namespaces', 'persistentvolumes', 'customresourcedefinitions.apiextensions.k8s.io', 'storageclasses.storage.k8s.io']);
        resources = resources.filter((r) => r.namespaced || needed.has(resourceName(r)));
      }
      // A group version that could not be read: its objects would be missing without a word.
      const unread: string[] = [];
      const unreadSkipped: SkippedItem[] = [];
      for (const f of discovery.failures) {
        if (f.aggregated) {
          ctx.warn(`${f.groupVersion} is served by an aggregated API server that did not answer (${f.error}); its objects live in that server, not in this cluster`);
          unreadSkipped.push({ id: `kubernetes:${f.groupVersion}`, reason: `aggregated API not stored in this cluster; discovery failed: ${f.error}` });
        } else unread.push(`${f.groupVersion} (discovery: ${f.error})`);
      }
      const captured: CapturedItem[] = [];
      const skipped: SkippedItem[] = [];
      const perResource: Record<string, number> = {};
      let bytes = 0;
      let done = 0;
      type Target = { r: ApiResource; ns?: string };
      const listTargets = resources.flatMap((r): Target[] =>
        r.namespaced && opts.namespaces?.length ? opts.namespaces.map((ns) => ({ r, ns })) : [{ r }],
      );
      ctx.progress({ phase: 'listing', itemsDone: 0, bytesDone: 0 });
      const clusterScoped: { r: ApiResource; obj: KubeObject }[] = [];
      let listed = 0;
      await forEachLimit(listTargets, opts.concurrency ?? 8, async ({ r, ns }) => {
        try {
          await listOne(r, ns);
        } catch (e) {
          if (ctx.signal.aborted) throw e;
          unread.push(`${resourceName(r)}${ns ? ` in ${ns}` : ''} (${(e as Error).message.split('\n')[0]})`);
        }
        listed++;
        ctx.progress({ phase: `listing (${listed}/${listTargets.length} collections)` });
      });
      async function listOne(r: ApiResource, ns: string | undefined): Promise<void> {
        for await (const page of client.listPages(collectionPath(r, ns), { labelSelector: opts.labelSelector, signal: ctx.signal, onRetry })) {
          for (const obj of page.items ?? []) {
            obj.apiVersion = r.groupVersion;
            obj.kind = r.kind;
            if (!r.namespaced && opts.namespaces?.length) {
              clusterScoped.push({ r, obj });
              continue;
            }
            const id = objectId(r, obj.metadata.namespace, obj.metadata.name);
            if (opts.only && !opts.only(id)) continue;
            const why = obj.metadata.labels?.[optOut] === 'true' ? `opted out by the label ${optOut}=true` : opts.includeGenerated ? undefined : generatedReason(resourceName(r), obj);
            if (why) {
              skipped.push({ id, reason: why });
              continue;
            }
            const text = yaml.dump(obj, { noRefs: true, lineWidth: -1, sortKeys: false });
            const path = objectPath(r, obj.metadata.namespace, obj.metadata.name);
            await sink.addFile(path, text, { mtime: objectTime(obj) });
            bytes += Buffer.byteLength(text);
            done++;
            perResource[resourceName(r)] = (perResource[resourceName(r)] ?? 0) + 1;
            captured.push({ id, path, bytes: Buffer.byteLength(text), details: { kind: r.kind, ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}) } });
            ctx.progress({ bytesDone: bytes, itemsDone: done });
          }
        }
      }
      if (clusterScoped.length) {
        const namespaces = new Set(opts.namespaces);
        const groups = new Set(captured.map((c) => c.id.split(':')[1]!.split('/')[0]!));
        for (const { r, obj } of clusterScoped) {
          const name = resourceName(r);
          const spec = obj.spec as { claimRef?: { namespace?: string }; group?: string } | undefined;
          const keep =
            (name === 'namespaces' && namespaces.has(obj.metadata.name)) ||
            (name === 'persistentvolumes' && namespaces.has(spec?.claimRef?.namespace ?? '')) ||
            (name === 'customresourcedefinitions.apiextensions.k8s.io' && groups.has(spec?.group ?? '')) ||
            name === 'storageclasses.storage.k8s.io';
          if (!keep) continue;
          const text = yaml.dump(obj, { noRefs: true, lineWidth: -1 });
          const path = objectPath(r, undefined, obj.metadata.name);
          await sink.addFile(path, text, { mtime: objectTime(obj) });
          bytes += Buffer.byteLength(text);
          done++;
          perResource[name] = (perResource[name] ?? 0) + 1;
          captured.push({ id: objectId(r, undefined, obj.metadata.name), path, bytes: Buffer.byteLength(text), details: { kind: r.kind } });
        }
      }
      ctx.progress({ phase: 'done', bytesDone: bytes, itemsDone: done, itemsTotal: done, bytesTotal: bytes });
      const versions = notPreferred(resources);
      const result: SourceResult = {
        captured,
        skipped: [...skipped, ...unreadSkipped],
        bytes,
        items: done,
        details: {
          server: client.server.origin,
          version: version.gitVersion,
          resources: perResource,
          collections: listTargets.length,
          ...(Object.keys(versions).length ? { notPreferredVersions: versions } : {}),
        },
      };
      if (unread.length) throw new IncompleteError(`could not read ${unread.length} of ${listTargets.length} collections: ${unread.slice(0, 5).join('; ')}${unread.length > 5 ? '; ...' : ''}`, result);
      return result;
    },
  };
}
