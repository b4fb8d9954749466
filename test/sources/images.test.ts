import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../../src/lab/lab.ts';
import { dockerClient } from '../../src/engine/environment/probe.ts';
import type { SnapshotSink } from '../../src/engine/sources/sink.ts';
import type { RegistryConfig } from '../../src/engine/config/schema.ts';
import { imagesSource } from '../../src/engine/sources/images/source.ts';
import { loadImagesFromLayout, type LayoutReader } from '../../src/engine/sources/images/load.ts';
import { ANNOTATIONS, MEDIA, type ImageIndex, type ImageManifest } from '../../src/engine/sources/images/layout.ts';
import { canonicalName, familiarName, parseReference } from '../../src/engine/sources/images/reference.ts';
import { readAll, readTar, writeTar } from '../../src/engine/sources/images/tar.ts';
import { podTemplateImages } from '../../src/engine/kube/pod-images.ts';
import { hostPlatform } from '../../src/engine/sources/images/registry.ts';
import { openTestRepository, recordingContext, type SnapshotReadBack, type TestRepository } from './sink.ts';

let lab: Lab;
let out: TestRepository;
let tmp: string;
let dockerHost: string;
let registry: string; // http://127.0.0.1:PORT
let regHost: string; // 127.0.0.1:PORT
let snapshot: SnapshotReadBack;

const docker = (...args: string[]) => execFileSync('docker', args, { env: { ...process.env, DOCKER_HOST: dockerHost }, encoding: 'utf8' }).trim();
const sha = (b: Uint8Array) => `sha256:${crypto.createHash('sha256').update(b).digest('hex')}`;

beforeAll(async () => {
  lab = await startLab({ owner: process.pid, services: ['dockerd', 'registry'] });
  out = await openTestRepository();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-images-test-'));
  dockerHost = lab.services.dockerd!.address;
  registry = lab.services.registry!.address;
  regHost = new URL(registry).host;
  // a one-layer image of busybox, and a two-layer one on top of it (sharing its layer)
  fs.mkdirSync(path.join(tmp, 'root', 'bin'), { recursive: true });
  fs.copyFileSync('/bin/busybox', path.join(tmp, 'root', 'bin', 'busybox'));
  execFileSync('tar', ['-C', path.join(tmp, 'root'), '-cf', path.join(tmp, 'busybox.tar'), '.']);
  docker('import', path.join(tmp, 'busybox.tar'), 'lb/busybox:1');
  fs.mkdirSync(path.join(tmp, 'ctx'));
  fs.writeFileSync(path.join(tmp, 'ctx', 'Dockerfile'), 'FROM lb/busybox:1\nRUN ["/bin/busybox", "sh", "-c", "echo hi > /hello"]\n');
  execFileSync('docker', ['build', '-q', '--network', 'none', '-t', 'lb/two:1', path.join(tmp, 'ctx')], {
    env: { ...process.env, DOCKER_HOST: dockerHost, DOCKER_BUILDKIT: '0' },
    stdio: 'pipe',
  });
  docker('create', '--network', 'none', '--name', 'web', 'lb/two:1', '/bin/busybox', 'true');
  // the registry gets busybox (gzip layers, as skopeo pushes them)
  execFileSync('skopeo', ['copy', '-q', '--src-daemon-host', dockerHost, '--dest-tls-verify=false', 'docker-daemon:lb/busybox:1', `docker://${regHost}/lab/busybox:1`]);
});

afterAll(async () => {
  await out?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  await lab?.stop();
});

/** The sink, counting writes per path. */
function countingSink(sink: SnapshotSink, writes: Map<string, number>): SnapshotSink {
  const count = (p: string) => writes.set(p, (writes.get(p) ?? 0) + 1);
  return {
    addFile: (p, d, m) => (count(p), sink.addFile(p, d, m)),
    addStream: (p, s, o) => (count(p), sink.addStream(p, s, o)),
    addTree: (p, d, o) => (count(p), sink.addTree(p, d, o)),
  };
}

const layoutReader = (snap: SnapshotReadBack): LayoutReader => ({ readFile: (p) => snap.readFile(`/images/${p}`) });

describe('image references', () => {
  it('parses names, tags, digests and ids with Docker Hub defaults', () => {
    const d = 'sha256:' + 'a'.repeat(64);
    expect(canonicalName(parseReference('busybox'))).toBe('docker.io/library/busybox:latest');
    expect(canonicalName(parseReference('lb/two:1'))).toBe('docker.io/lb/two:1');
    expect(canonicalName(parseReference('index.docker.io/library/nginx:1.25'))).toBe('docker.io/library/nginx:1.25');
    expect(parseReference('127.0.0.1:5000/lab/app:2')).toMatchObject({ domain: '127.0.0.1:5000', path: 'lab/app', tag: '2' });
    expect(parseReference(`localhost/app@${d}`)).toMatchObject({ domain: 'localhost', path: 'app', digest: d, tag: undefined });
    expect(parseReference(`quay.io/x/y:v1@${d}`)).toMatchObject({ domain: 'quay.io', path: 'x/y', tag: 'v1', digest: d });
    expect(parseReference(d)).toMatchObject({ id: d });
    expect(parseReference('a'.repeat(64))).toMatchObject({ id: 'sha256:' + 'a'.repeat(64) });
    expect(familiarName(parseReference('docker.io/library/busybox:1'))).toBe('busybox:1');
    expect(() => parseReference('Bad/Name:x')).toThrow();
    expect(() => parseReference('app:bad tag')).toThrow();
  });
});

describe('pod template images', () => {
  it('finds the images of pods and of every kind that embeds a pod template', () => {
    const spec = { initContainers: [{ image: 'init:1' }], containers: [{ image: 'app:1' }, { image: 'app:1' }, { image: 'side:2' }] };
    expect(podTemplateImages({ kind: 'Pod', spec })).toEqual(['init:1', 'app:1', 'side:2']);
    expect(podTemplateImages({ kind: 'Deployment', spec: { template: { spec } } })).toEqual(['init:1', 'app:1', 'side:2']);
    expect(podTemplateImages({ kind: 'CronJob', spec: { jobTemplate: { spec: { template: { spec: { containers: [{ image: 'cron:3' }] } } } } } })).toEqual(['cron:3']);
    expect(podTemplateImages({ kind: 'PodTemplate', template: { spec: { containers: [{ image: 't:1' }] } } })).toEqual(['t:1']);
    expect(podTemplateImages({ kind: 'ConfigMap' })).toEqual([]);
  });
});

describe('tar', () => {
  it('reads what GNU tar writes (long names, links) and reads back what it writes', async () => {
    const dir = path.join(tmp, 'tartest');
    const long = 'd'.repeat(60) + '/' + 'f'.repeat(80) + '.txt';
    fs.mkdirSync(path.join(dir, path.dirname(long)), { recursive: true });
    fs.writeFileSync(path.join(dir, long), 'x'.repeat(1000));
    fs.symlinkSync(long, path.join(dir, 'link'));
    for (const format of ['gnu', 'pax']) {
      const archive = execFileSync('tar', ['-C', dir, '-cf', '-', `--format=${format}`, '--sort=name', '.']);
      async function* chunks() {
        for (let i = 0; i < archive.length; i += 700) yield archive.subarray(i, i + 700);
      }
      const seen: string[] = [];
      for await (const e of readTar(chunks())) {
        const body = await readAll(e.body);
        seen.push(`${e.type} ${e.name} ${e.type === 'symlink' ? e.linkname : body.length}`);
      }
      expect(seen).toContain(`file ${long} 1000`);
      expect(seen).toContain(`symlink link ${long}`);
    }
    const chunks: Buffer[] = [];
    for await (const c of writeTar([{ name: 'a.txt', size: 3, body: Buffer.from('abc') }, { name: `blobs/sha256/${'b'.repeat(64)}`, size: 0, body: Buffer.alloc(0) }])) {
      chunks.push(Buffer.from(c));
    }
    fs.writeFileSync(path.join(tmp, 'w.tar'), Buffer.concat(chunks));
    expect(execFileSync('tar', ['-tf', path.join(tmp, 'w.tar')], { encoding: 'utf8' }).split('\n').filter(Boolean)).toEqual(['a.txt', `blobs/sha256/${'b'.repeat(64)}`]);
  });
});

describe('the images source', () => {
  it('stores pod, container and config images as an OCI layout, each blob once, and names what it cannot find', async () => {
    const ctx = recordingContext();
    const writes = new Map<string, number>();
    const source = imagesSource({
      config: { registries: [{ url: registry }], images: ['lb/missing:1', `${regHost}/lab/nothere:1`, 'lb/busybox:1'] },
      docker: dockerClient(dockerHost),
      dockerHost,
      podImages: [`${regHost}/lab/busybox:1`, 'lb/busybox'.concat(':1')],
    });
    const result = await source.run(ctx, countingSink(out.sink, writes));
    snapshot = await out.commit();

    const byId = Object.fromEntries(result.captured.map((c) => [c.id, c]));
    expect(Object.keys(byId).sort()).toEqual([`image:${regHost}/lab/busybox:1`, 'image:docker.io/lb/busybox:1', 'image:docker.io/lb/two:1']);
    expect(byId[`image:${regHost}/lab/busybox:1`]!.details).toMatchObject({ from: 'registry', inRegistry: true, inEngine: false, registry: regHost, usedBy: 'pod' });
    expect(byId['image:docker.io/lb/busybox:1']!.details).toMatchObject({ from: 'engine', inRegistry: false, inEngine: true, usedBy: 'pod,config', layers: 1 });
    expect(byId['image:docker.io/lb/two:1']!.details).toMatchObject({ from: 'engine', inRegistry: false, usedBy: 'container:web', layers: 2 });
    expect(result.skipped.map((s) => s.id).sort()).toEqual([`image:${regHost}/lab/nothere:1`, 'image:docker.io/lb/missing:1']);
    const missing = ctx.warnings.find((w) => w.includes('lb/missing:1'));
    expect(missing).toMatch(/registry docker\.io: not configured/);
    expect(missing).toContain(`Docker engine ${dockerHost}: not found`);
    expect(ctx.warnings.find((w) => w.includes('lab/nothere:1'))).toContain(`registry ${regHost}: not found`);
    expect(ctx.warnings).toHaveLength(2);

    // the layout: oci-layout, index.json naming every image, and blobs that hash to their names
    expect(JSON.parse((await snapshot.readFile('/images/oci-layout')).toString())).toEqual({ imageLayoutVersion: '1.0.0' });
    const index = JSON.parse((await snapshot.readFile('/images/index.json')).toString()) as ImageIndex;
    expect(index.manifests.map((m) => m.annotations?.[ANNOTATIONS.refName]).sort()).toEqual([`${regHost}/lab/busybox:1`, 'docker.io/lb/busybox:1', 'docker.io/lb/two:1']);
    const blobs = await snapshot.list('/images/blobs/sha256');
    for (const name of blobs) expect(sha(await snapshot.readFile(`/images/blobs/sha256/${name}`))).toBe(`sha256:${name}`);
    const manifests: Record<string, ImageManifest> = {};
    for (const m of index.manifests) {
      manifests[m.annotations![ANNOTATIONS.refName]!] = JSON.parse((await snapshot.readFile(`/images/blobs/sha256/${m.digest.slice(7)}`)).toString());
    }
    const referenced = new Set(index.manifests.map((m) => m.digest.slice(7)));
    for (const m of Object.values(manifests)) for (const d of [m.config, ...m.layers]) referenced.add(d.digest.slice(7));
    expect(blobs.sort()).toEqual([...referenced].sort());
    // engine images: uncompressed layer tars; two's bottom layer is busybox's, stored once
    const one = manifests['docker.io/lb/busybox:1']!;
    const two = manifests['docker.io/lb/two:1']!;
    expect(two.layers.map((l) => l.mediaType)).toEqual([MEDIA.ociLayerTar, MEDIA.ociLayerTar]);
    expect(two.layers[0]!.digest).toBe(one.layers[0]!.digest);
    expect(manifests[`${regHost}/lab/busybox:1`]!.layers[0]!.mediaType).toMatch(/gzip/);
    expect([...writes.values()].every((n) => n === 1)).toBe(true);
    expect(writes.size).toBe(blobs.length + 2);

    // progress: every layer counted, bytes up to the total
    expect(ctx.counts.itemsDone).toBe(ctx.counts.itemsTotal);
    expect(ctx.counts.itemsTotal).toBe(4);
    expect(ctx.counts.bytesDone).toBeGreaterThan(1_900_000);
    expect(ctx.counts.bytesDone).toBeLessThanOrEqual(ctx.counts.bytesTotal!);
    expect(ctx.phases).toEqual(['listing images', 'resolving images', 'copying images', 'writing the image index']);
  });

  it('an image restored from the repository with docker load runs', async () => {
    docker('rm', 'web');
    docker('rmi', 'lb/two:1', 'lb/busybox:1');
    expect(docker('images', '-q')).toBe('');
    const loaded = await loadImagesFromLayout(layoutReader(snapshot), dockerClient(dockerHost));
    expect(loaded.sort()).toEqual([`${regHost}/lab/busybox:1`, 'lb/busybox:1', 'lb/two:1']);
    expect(docker('run', '--rm', '--network', 'none', 'lb/two:1', '/bin/busybox', 'cat', '/hello')).toBe('hi');
    expect(docker('run', '--rm', '--network', 'none', 'lb/busybox:1', '/bin/busybox', 'echo', 'ok')).toBe('ok');
    expect(docker('run', '--rm', '--network', 'none', `${regHost}/lab/busybox:1`, '/bin/busybox', 'echo', 'ok')).toBe('ok');
  });

  it('takes a bearer token with the configured credentials, retries 429 answers, and skips TLS checks only when told', async () => {
    const cert = path.join(tmp, 'cert.pem');
    const key = path.join(tmp, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-subj', '/CN=127.0.0.1', '-days', '1'], { stdio: 'pipe' });
    fs.writeFileSync(path.join(tmp, 'password'), 's3cret\n');
    let throttled = 0;
    const upstream = new URL(registry);
    const handler: http.RequestListener = (req, res) => {
      const base = `https://${req.headers.host}`;
      if (req.url!.startsWith('/token')) {
        const ok = req.headers.authorization === 'Basic ' + Buffer.from('lifeboat:s3cret').toString('base64');
        res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
        return res.end(ok ? JSON.stringify({ token: 'tok3n' }) : '{}');
      }
      if (req.headers.authorization !== 'Bearer tok3n') {
        res.writeHead(401, { 'www-authenticate': `Bearer realm="${base}/token",service="test",scope="repository:lab/busybox:pull"` });
        return res.end();
      }
      if (req.url!.includes('/manifests/') && throttled < 2) {
        throttled++;
        res.writeHead(429, { 'retry-after': '0' });
        return res.end('slow down');
      }
      const up = http.request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: { accept: req.headers.accept ?? '*/*' } }, (r) => {
        res.writeHead(r.statusCode!, r.headers);
        r.pipe(res);
      });
      up.on('error', (e) => res.destroy(e));
      up.end();
    };
    const server = https.createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) }, handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const run = async (reg: RegistryConfig) => {
      const ctx = recordingContext();
      const result = await imagesSource({ config: { registries: [reg], images: [`${host}/lab/busybox:1`] } }).run(ctx, out.sink);
      await out.commit();
      return { ctx, result };
    };
    try {
      const strict = await run({ url: `https://${host}`, username: 'lifeboat', passwordFile: path.join(tmp, 'password') });
      expect(strict.result.captured).toEqual([]);
      expect(strict.result.skipped[0]!.reason).toMatch(/self[- ]signed certificate/);

      const wrong = path.join(tmp, 'wrong');
      fs.writeFileSync(wrong, 'nope');
      const refused = await run({ url: `https://${host}`, username: 'lifeboat', passwordFile: wrong, insecureSkipTLSVerify: true });
      expect(refused.result.skipped[0]!.reason).toContain('refused user lifeboat: HTTP 401');

      const ok = await run({ url: `https://${host}`, username: 'lifeboat', passwordFile: path.join(tmp, 'password'), insecureSkipTLSVerify: true });
      expect(ok.ctx.warnings).toEqual([]);
      expect(ok.result.captured.map((c) => c.id)).toEqual([`image:${host}/lab/busybox:1`]);
      expect(ok.result.captured[0]!.details).toMatchObject({ from: 'registry', inRegistry: true, registry: host });
      expect(throttled).toBe(2);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('follows digests and picks this platform out of a multi-platform index', async () => {
    const res = await fetch(`${registry}/v2/lab/busybox/manifests/1`, { headers: { accept: MEDIA.dockerManifest } });
    const body = Buffer.from(await res.arrayBuffer());
    const digest = sha(body);
    const list = {
      schemaVersion: 2,
      mediaType: MEDIA.dockerManifestList,
      manifests: [
        { mediaType: MEDIA.dockerManifest, digest, size: body.length, platform: { os: 'linux', architecture: 'mips64' } },
        { mediaType: MEDIA.dockerManifest, digest, size: body.length, platform: hostPlatform() },
      ],
    };
    const put = await fetch(`${registry}/v2/lab/busybox/manifests/multi`, { method: 'PUT', headers: { 'content-type': MEDIA.dockerManifestList }, body: JSON.stringify(list) });
    expect(put.status).toBe(201);
    const ctx = recordingContext();
    const result = await imagesSource({ config: { registries: [{ url: registry }], images: [`${regHost}/lab/busybox:multi`, `${regHost}/lab/busybox@${digest}`] } }).run(ctx, out.sink);
    const snap = await out.commit();
    expect(ctx.warnings).toEqual([]);
    expect(result.captured.map((c) => c.details!.digest)).toEqual([digest, digest]);
    const index = JSON.parse((await snap.readFile('/images/index.json')).toString()) as ImageIndex;
    expect(index.manifests.map((m) => [m.annotations![ANNOTATIONS.refName], m.digest, m.annotations![ANNOTATIONS.indexDigest]])).toEqual([
      [`${regHost}/lab/busybox:multi`, digest, sha(Buffer.from(JSON.stringify(list)))],
      [`${regHost}/lab/busybox@${digest}`, digest, undefined],
    ]);
    expect(await snap.readFile(`/images/blobs/sha256/${digest.slice(7)}`)).toEqual(body);
  });

  it('stops when the job is cancelled', async () => {
    const ctx = recordingContext();
    const origProgress = ctx.progress;
    ctx.progress = (u) => {
      origProgress(u);
      if (u.phase === 'copying images') ctx.abort(new Error('cancelled by the test'));
    };
    const source = imagesSource({ config: { images: ['lb/two:1'] }, docker: dockerClient(dockerHost), dockerHost });
    await expect(source.run(ctx, out.sink)).rejects.toThrow('cancelled by the test');
  });
});
