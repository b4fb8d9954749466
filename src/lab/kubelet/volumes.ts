/**
 * A pod's volumes as host folders bind-mounted into its containers: emptyDir in the pod's own
 * folder, hostPath under the node's own root (so two lab nodes never share a path), claims
 * through their bound PV's hostPath/local folder, ConfigMap and Secret files rewritten on each sync.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ApiClient } from './api-client.ts';
import { fieldValue, keyValue } from './env.ts';

export interface NodeDirs {
  /** The node's root: pods/<uid>/volumes/<name> and host/<hostPath>. */
  root: string;
}

export const podDir = (dirs: NodeDirs, uid: string) => path.join(dirs.root, 'pods', uid);
export const hostPathOf = (dirs: NodeDirs, p: string) => path.join(dirs.root, 'host', path.resolve('/', p));

/** Writes `files` into `dir` atomically (a new folder swapped in), dropping what is no longer there. */
function writeProjected(dir: string, files: { path: string; data: Buffer; mode?: number }[]): void {
  fs.mkdirSync(dir, { recursive: true });
  const wanted = new Set(files.map((f) => path.normalize(f.path)));
  for (const f of files) {
    const target = path.join(dir, path.normalize(f.path));
    if (!target.startsWith(dir + path.sep)) continue;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    let same = false;
    try {
      same = fs.readFileSync(target).equals(f.data);
    } catch {
      /* new */
    }
    if (!same) {
      const tmp = `${target}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, f.data, { mode: f.mode ?? 0o644 });
      fs.renameSync(tmp, target);
    }
  }
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const rel = path.relative(dir, path.join(entry.parentPath, entry.name));
    if (!wanted.has(rel)) fs.rmSync(path.join(dir, rel), { force: true });
  }
}

function keyFiles(kind: 'configmaps' | 'secrets', object: any, items: any[] | undefined, mode: number | undefined) {
  const keys = items?.length ? items : Object.keys({ ...(object?.data ?? {}), ...(object?.binaryData ?? {}) }).map((key) => ({ key, path: key }));
  return keys.flatMap((item: any) => {
    const raw = kind === 'secrets' ? object?.data?.[item.key] : object?.binaryData?.[item.key];
    const data = raw !== undefined ? Buffer.from(String(raw), 'base64') : keyValue(kind, object, item.key) !== undefined ? Buffer.from(keyValue(kind, object, item.key)!) : undefined;
    return data === undefined ? [] : [{ path: item.path, data, mode: item.mode ?? mode }];
  });
}

/** Prepares every volume of `pod`; resolves to each volume's host folder by name. Throws with the reason it cannot mount. */
/** A service-account token for the pod (TokenRequest bound to it), for projected serviceAccountToken sources. */
export type TokenSource = (audience: string | undefined, expirationSeconds: number) => Promise<string>;

export async function prepareVolumes(api: ApiClient, dirs: NodeDirs, pod: any, serviceAccountToken?: TokenSource): Promise<Map<string, string>> {
  const ns = pod.metadata.namespace;
  const out = new Map<string, string>();
  for (const v of pod.spec.volumes ?? []) {
    const own = path.join(podDir(dirs, pod.metadata.uid), 'volumes', v.name);
    if (v.emptyDir) {
      fs.mkdirSync(own, { recursive: true, mode: 0o777 });
      out.set(v.name, own);
    } else if (v.hostPath) {
      const dir = hostPathOf(dirs, v.hostPath.path);
      if (v.hostPath.type === 'File' || v.hostPath.type === 'FileOrCreate') {
        fs.mkdirSync(path.dirname(dir), { recursive: true });
        if (!fs.existsSync(dir)) fs.writeFileSync(dir, '');
      } else fs.mkdirSync(dir, { recursive: true });
      out.set(v.name, dir);
    } else if (v.persistentVolumeClaim) {
      const claim = await api.tryGet(`/api/v1/namespaces/${ns}/persistentvolumeclaims/${v.persistentVolumeClaim.claimName}`);
      if (!claim) throw new Error(`persistentvolumeclaim "${v.persistentVolumeClaim.claimName}" not found`);
      const pvName = claim.spec?.volumeName;
      if (!pvName || claim.status?.phase !== 'Bound') throw new Error(`persistentvolumeclaim "${claim.metadata.name}" is not bound`);
      const pv = await api.get(`/api/v1/persistentvolumes/${pvName}`);
      const dir = pv.spec?.hostPath?.path ?? pv.spec?.local?.path;
      if (!dir) throw new Error(`persistentvolume "${pvName}" has no hostPath or local folder the lab can mount`);
      fs.mkdirSync(dir, { recursive: true });
      out.set(v.name, dir);
    } else if (v.downwardAPI) {
      writeProjected(own, (v.downwardAPI.items ?? []).filter((i: any) => i.fieldRef).map((i: any) => ({ path: i.path, data: Buffer.from(fieldValue(pod, i.fieldRef.fieldPath, '127.0.0.1')), mode: i.mode ?? v.downwardAPI.defaultMode })));
      out.set(v.name, own);
    } else if (v.configMap || v.secret) {
      const kind = v.configMap ? 'configmaps' : 'secrets';
      const ref = v.configMap ?? v.secret;
      const name = ref.name ?? ref.secretName;
      const object = await api.tryGet(`/api/v1/namespaces/${ns}/${kind}/${name}`);
      if (!object && !ref.optional) throw new Error(`${kind === 'configmaps' ? 'configmap' : 'secret'} "${name}" not found`);
      writeProjected(own, keyFiles(kind, object, ref.items, ref.defaultMode));
      out.set(v.name, own);
    } else if (v.projected) {
      const files: { path: string; data: Buffer; mode?: number }[] = [];
      for (const s of v.projected.sources ?? []) {
        if (s.serviceAccountToken && serviceAccountToken) {
          const file = path.join(own, path.normalize(s.serviceAccountToken.path));
          // Kept until it is 80% through its life, as the kubelet's token manager does.
          const expiration = Number(s.serviceAccountToken.expirationSeconds ?? 3607);
          const fresh = fs.existsSync(file) && Date.now() - fs.statSync(file).mtimeMs < expiration * 800;
          files.push({ path: s.serviceAccountToken.path, data: fresh ? fs.readFileSync(file) : Buffer.from(await serviceAccountToken(s.serviceAccountToken.audience, expiration)), mode: v.projected.defaultMode ?? 0o644 });
          continue;
        }
        if (s.downwardAPI) {
          for (const item of s.downwardAPI.items ?? []) {
            if (item.fieldRef) files.push({ path: item.path, data: Buffer.from(fieldValue(pod, item.fieldRef.fieldPath, '127.0.0.1')), mode: item.mode ?? v.projected.defaultMode });
          }
          continue;
        }
        const src = s.configMap ?? s.secret;
        if (!src) continue;
        const kind = s.configMap ? 'configmaps' : 'secrets';
        const object = await api.tryGet(`/api/v1/namespaces/${ns}/${kind}/${src.name}`);
        if (!object && !src.optional) throw new Error(`${kind === 'configmaps' ? 'configmap' : 'secret'} "${src.name}" not found`);
        files.push(...keyFiles(kind, object, src.items, v.projected.defaultMode));
      }
      writeProjected(own, files);
      out.set(v.name, own);
    } else {
      throw new Error(`volume "${v.name}": the lab's kubelet mounts emptyDir, hostPath, persistentVolumeClaim, configMap, secret, downwardAPI and projected volumes`);
    }
  }
  return out;
}

/** Docker binds for a container's volumeMounts. */
export function bindsFor(container: any, volumes: Map<string, string>): string[] {
  return (container.volumeMounts ?? []).map((m: any) => {
    const host = volumes.get(m.name);
    if (!host) throw new Error(`volumeMount "${m.name}" names no volume of the pod`);
    const source = m.subPath ? path.join(host, path.normalize(m.subPath)) : host;
    if (m.subPath) fs.mkdirSync(source, { recursive: true });
    return `${source}:${m.mountPath}${m.readOnly ? ':ro' : ''}`;
  });
}
