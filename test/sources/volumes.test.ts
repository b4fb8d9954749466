import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { beforeAll, describe, expect, it } from 'vitest';
import { dockerClient } from '../../src/engine/environment/probe.ts';
import { mapPath, volumesSource, type PersistentVolume } from '../../src/engine/sources/volumes/backup.ts';
import { recordingContext, sourceTestEnvironment } from './sink.ts';

const env = sourceTestEnvironment(['dockerd'], 'volumes');
let docker: Docker;

beforeAll(async () => {
  docker = dockerClient(env.lab.services.dockerd!.address);
});

const when = new Date('2021-03-04T05:06:07.890Z');

/** A folder with what a volume holds: nested folders, odd modes, a big file, an empty one, links. */
function fillVolume(dir: string, seed: string): void {
  fs.mkdirSync(path.join(dir, 'data', 'deep', 'er'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'data', 'big.bin'), randomBytes(3 * 1024 * 1024 + 17));
  fs.writeFileSync(path.join(dir, 'data', 'deep', 'er', 'note.txt'), `hello from ${seed}\n`);
  fs.writeFileSync(path.join(dir, 'empty'), '');
  fs.writeFileSync(path.join(dir, 'secret.key'), `key of ${seed}`, { mode: 0o600 });
  fs.chmodSync(path.join(dir, 'secret.key'), 0o600);
  fs.writeFileSync(path.join(dir, 'run.sh'), '#!/bin/sh\necho hi\n');
  fs.chmodSync(path.join(dir, 'run.sh'), 0o750);
  fs.chmodSync(path.join(dir, 'data', 'deep'), 0o700);
  fs.symlinkSync('data/deep/er/note.txt', path.join(dir, 'link-to-note'));
  fs.symlinkSync('nowhere/target', path.join(dir, 'dangling'));
  fs.utimesSync(path.join(dir, 'run.sh'), when, when);
  fs.utimesSync(path.join(dir, 'data', 'big.bin'), when, new Date(when.getTime() + 1000));
}

/** What must survive a backup: each entry's type, mode, mtime (ms), and content or link target. */
function facts(dir: string): string[] {
  const outList: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = path.join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = fs.lstatSync(p);
      if (st.isSymbolicLink()) outList.push(`${r} link -> ${fs.readlinkSync(p)}`);
      else if (st.isDirectory()) {
        outList.push(`${r}/ ${(st.mode & 0o7777).toString(8)}`);
        walk(p, r);
      } else {
        const sha = createHash('sha256').update(fs.readFileSync(p)).digest('hex');
        outList.push(`${r} ${(st.mode & 0o7777).toString(8)} ${Math.floor(st.mtimeMs)} ${st.size} ${sha}`);
      }
    }
  };
  walk(dir, '');
  return outList;
}

describe('the volumes source', () => {
  it('maps paths and NFS exports by the longest matching prefix', () => {
    const map = [
      { from: 'nas:/export', to: '/mnt/nas' },
      { from: 'nas:/export/big/', to: '/mnt/big' },
      { from: '/var/lib/docker', to: '/host/docker' },
    ];
    expect(mapPath('nas:/export/a/b', map)).toBe('/mnt/nas/a/b');
    expect(mapPath('nas:/export/big/x', map)).toBe('/mnt/big/x');
    expect(mapPath('nas:/exported', map)).toBeUndefined();
    expect(mapPath('/var/lib/docker/volumes/v/_data', map)).toBe('/host/docker/volumes/v/_data');
    expect(mapPath('/var/lib/other', map)).toBeUndefined();
  });

  it('copies Docker volumes and reachable PVs byte-identical with modes, times and links, and warns about the rest', async () => {
    await docker.createVolume({ Name: 'appdata' });
    await docker.createVolume({ Name: 'emptyvol' });
    const mountpoint = (await docker.getVolume('appdata').inspect()).Mountpoint;
    fillVolume(mountpoint, 'docker');
    // Absolute links are kept as they are (the restorer refuses to write them outside its target).
    fs.symlinkSync('/var/lib/postgresql/data', path.join(mountpoint, 'absolute-link'));

    const labPv = path.join(env.lab.dir, 'volumes', 'pvc-1234');
    const localPv = path.join(env.tmp, 'local-disk');
    const nfsMount = path.join(env.tmp, 'nfs-mount');
    fs.mkdirSync(path.join(nfsMount, 'shop'), { recursive: true });
    fs.mkdirSync(labPv, { recursive: true });
    fs.mkdirSync(localPv, { recursive: true });
    fillVolume(labPv, 'lab-hostpath');
    fillVolume(localPv, 'local');
    fillVolume(path.join(nfsMount, 'shop'), 'nfs');
    const pv = (name: string, spec: PersistentVolume['spec']): PersistentVolume => ({ metadata: { name }, spec });
    const pvs: PersistentVolume[] = [
      pv('pvc-1234', { storageClassName: 'lab-hostpath', hostPath: { path: labPv }, claimRef: { namespace: 'shop', name: 'data-db-0' } }),
      pv('local-pv', { local: { path: localPv }, claimRef: { namespace: 'shop', name: 'cache' } }),
      pv('nfs-mapped', { nfs: { server: 'nas.example', path: '/export/shop' } }),
      pv('nfs-unmapped', { nfs: { server: 'other.example', path: '/vol/7' }, claimRef: { namespace: 'web', name: 'uploads' } }),
      pv('csi-ebs', { csi: { driver: 'ebs.csi.aws.com', volumeHandle: 'vol-0abc' } }),
      pv('gone', { hostPath: { path: path.join(env.tmp, 'not-there') } }),
    ];

    const ctx = recordingContext();
    const source = volumesSource({
      docker,
      dockerHost: env.lab.services.dockerd!.address,
      persistentVolumes: pvs,
      pathMap: [{ from: 'nas.example:/export', to: nfsMount }],
    });
    const result = await source.run(ctx, env.out.sink);

    expect(result.captured.map((c) => c.id).sort()).toEqual(
      ['volume:docker/appdata', 'volume:docker/emptyvol', 'volume:pv/local-pv', 'volume:pv/nfs-mapped', 'volume:pv/pvc-1234'].sort(),
    );
    expect(result.captured.find((c) => c.id === 'volume:pv/pvc-1234')!.details).toMatchObject({ claim: 'shop/data-db-0', storageClass: 'lab-hostpath', path: labPv });
    expect(result.skipped.map((s) => s.id)).toEqual(['volume:pv/nfs-unmapped', 'volume:pv/csi-ebs', 'volume:pv/gone']);
    expect(ctx.warnings).toHaveLength(3);
    expect(ctx.warnings[0]).toContain('add volumes.pathMap from: other.example:/vol/7 to: /mnt/');
    expect(ctx.warnings[0]).toContain('claim web/uploads');
    expect(ctx.warnings[1]).toMatch(/CSI volume \(driver ebs.csi.aws.com, handle vol-0abc\)/);
    expect(ctx.warnings[2]).toMatch(/hostPath .*not-there is not a folder on this machine.*volumes.pathMap/);
    expect(ctx.counts.bytesDone).toBe(ctx.counts.bytesTotal);
    expect(ctx.counts.itemsDone).toBe(ctx.counts.itemsTotal);
    expect(ctx.counts.bytesDone).toBe(result.bytes);
    expect(result.bytes).toBeGreaterThan(4 * 3 * 1024 * 1024);

    const snap = await env.out.commit();
    const checks: [string, string][] = [
      ['/volumes/docker/appdata', mountpoint],
      ['/volumes/pv/pvc-1234', labPv],
      ['/volumes/pv/local-pv', localPv],
      ['/volumes/pv/nfs-mapped', path.join(nfsMount, 'shop')],
    ];
    const link = await snap.node('/volumes/docker/appdata/absolute-link');
    expect(link).toMatchObject({ type: 'symlink', linktarget: '/var/lib/postgresql/data' });
    for (const [at, from] of checks) {
      const restored = path.join(env.tmp, 'restored', at);
      // Links come back as links, the absolute one too (as restic restores them).
      await snap.extractTree(at, restored);
      expect(facts(restored)).toEqual(facts(from));
    }
    expect(await snap.list('/volumes/docker/emptyvol')).toEqual([]);
  });

  it('stops copying when aborted', async () => {
    const big = path.join(env.tmp, 'many');
    fs.mkdirSync(big);
    for (let i = 0; i < 200; i++) fs.writeFileSync(path.join(big, `f${i}`), randomBytes(64 * 1024));
    const ctx = recordingContext();
    ctx.abort(new Error('cancelled'));
    await expect(volumesSource({ persistentVolumes: [{ metadata: { name: 'many' }, spec: { hostPath: { path: big } } }] }).run(ctx, env.out.sink)).rejects.toThrow(/cancelled/);
  });
});
