/** Watches (`?watch=1` and `/watch/` paths): a stream of events from an etcd watch. */
import type http from 'node:http';
import { errors } from './errors.ts';
import type { ObjectApi } from './objects.ts';
import type { ResourceInfo } from './registry.ts';
import { objectFilter } from './selectors.ts';
import { decode, type KubeObject } from './storage.ts';

export interface WatchRequest {
  info: ResourceInfo;
  namespace?: string;
  name?: string;
  resourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
  timeoutSeconds?: number;
}

export async function serveWatch(api: ObjectApi, req: http.IncomingMessage, res: http.ServerResponse, w: WatchRequest): Promise<void> {
  const { info } = w;
  const fieldSelector = [w.fieldSelector, w.name ? `metadata.name=${w.name}` : undefined].filter(Boolean).join(',');
  const filter = objectFilter(w.labelSelector, fieldSelector || undefined);
  const prefix = `${info.prefix}/${info.namespaced && w.namespace ? `${w.namespace}/` : ''}`;
  const present = (o: KubeObject) => api.present(info, o);

  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  const send = (type: string, object: unknown) => res.write(JSON.stringify({ type, object }) + '\n');

  let startRevision: number;
  const rv = w.resourceVersion;
  if (!rv || rv === '0') {
    // "Get state and start at most recent": the current objects as ADDED, then changes.
    let startKey: string | undefined;
    let revision: number | undefined;
    for (;;) {
      const page = await api.store.list(prefix, { limit: 500, startKey, revision });
      revision = page.revision;
      for (const item of page.items) if (filter(item.object)) send('ADDED', present(item.object));
      if (!page.nextKey) break;
      startKey = page.nextKey;
    }
    startRevision = revision! + 1;
  } else {
    if (!/^\d+$/.test(rv)) {
      send('ERROR', errors.badRequest(`invalid resource version: ${rv}`).toStatus());
      res.end();
      return;
    }
    startRevision = Number(rv) + 1;
  }

  const watcher = await api.store.client.watch().prefix(prefix).startRevision(String(startRevision)).withPreviousKV().create();
  let closed = false;
  const finish = () => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    void watcher.cancel().catch(() => undefined);
    res.end();
  };
  const timer = setTimeout(finish, (w.timeoutSeconds && w.timeoutSeconds > 0 ? w.timeoutSeconds : 1800) * 1000);
  req.on('close', finish);
  res.on('close', finish);
  watcher.on('put', (kv, prev) => {
    if (closed) return;
    const key = kv.key.toString('utf8');
    const item = decode(key, kv.value, kv.mod_revision);
    const before = prev ? decode(key, prev.value, prev.mod_revision).object : undefined;
    const now = filter(item.object);
    const was = before ? filter(before) : false;
    if (now) send(was || (before && kv.version !== '1') ? 'MODIFIED' : 'ADDED', present(item.object));
    else if (was && before) send('DELETED', present({ ...before, metadata: { ...before.metadata, resourceVersion: kv.mod_revision } }));
  });
  watcher.on('delete', (kv, prev) => {
    if (closed || !prev) return;
    const before = decode(kv.key.toString('utf8'), prev.value, kv.mod_revision).object;
    if (filter(before)) send('DELETED', present(before));
  });
  watcher.on('error', (e) => {
    if (closed) return;
    const status = /compacted/i.test(e.message) ? errors.gone(`too old resource version: ${rv}`) : errors.internal(e.message);
    send('ERROR', status.toStatus());
    finish();
  });
}
