// The benchmarks' mixed data set, generated (never committed) and kept in a temporary folder
// between runs: what a node's volumes hold. Kubernetes YAML manifests (thousands of small files),
// etcd-like database pages (4 KiB pages of keys and JSON values, much of it repeated), container
// image layers (an uncompressed tar of binaries and text, and a gzip-compressed one), random
// bytes, and logs. Deterministic: the same seed gives the same bytes on any machine.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

const VERSION = 'mixed-2';
const MiB = 1024 * 1024;

/** A deterministic random source: AES-CTR keystream, plus small helpers. */
class Seeded {
  private ctr: crypto.Cipher;
  private pool: Buffer = Buffer.alloc(0);
  private at = 0;
  constructor(seed: string) {
    this.ctr = crypto.createCipheriv('aes-256-ctr', crypto.createHash('sha256').update(seed).digest(), Buffer.alloc(16));
  }
  bytes(n: number): Buffer {
    return this.ctr.update(Buffer.alloc(n));
  }
  int(max: number): number {
    if (this.at + 4 > this.pool.length) {
      this.pool = this.bytes(65536);
      this.at = 0;
    }
    const v = this.pool.readUInt32LE(this.at);
    this.at += 4;
    return v % max;
  }
  hex(n: number): string {
    return this.bytes(Math.ceil(n / 2)).toString('hex').slice(0, n);
  }
}

const WORDS = 'the pod container node volume claim service endpoint request served error retry timeout backoff scheduled pulled image started ready leader election lease watch list patch update delete create namespace deployment replica'.split(' ');

function manifest(r: Seeded, i: number): string {
  const ns = `team-${i % 37}`;
  const app = `svc-${i % 211}`;
  const kinds = ['Deployment', 'ConfigMap', 'Service', 'StatefulSet', 'Secret', 'Ingress'];
  const kind = kinds[i % kinds.length]!;
  const lines = [
    `apiVersion: ${kind === 'Ingress' ? 'networking.k8s.io/v1' : kind.endsWith('Set') || kind === 'Deployment' ? 'apps/v1' : 'v1'}`,
    `kind: ${kind}`,
    'metadata:',
    `  name: ${app}-${r.hex(5)}`,
    `  namespace: ${ns}`,
    `  uid: ${r.hex(8)}-${r.hex(4)}-${r.hex(4)}-${r.hex(4)}-${r.hex(12)}`,
    `  resourceVersion: "${r.int(90_000_000)}"`,
    '  labels:',
    `    app.kubernetes.io/name: ${app}`,
    `    app.kubernetes.io/part-of: shop`,
    `    pod-template-hash: ${r.hex(10)}`,
    '  annotations:',
    `    kubectl.kubernetes.io/last-applied-configuration: '{"apiVersion":"v1","kind":"${kind}","metadata":{"name":"${app}","namespace":"${ns}"}}'`,
    'spec:',
  ];
  const containers = 1 + (i % 3);
  lines.push('  replicas: ' + (1 + (i % 5)), '  template:', '    spec:', '      containers:');
  for (let c = 0; c < containers; c++) {
    lines.push(`      - name: ${app}-${c}`, `        image: registry.local/shop/${app}:1.${i % 30}.${c}`, '        env:');
    for (let e = 0; e < 4 + r.int(20); e++) lines.push(`        - name: ${WORDS[r.int(WORDS.length)]!.toUpperCase()}_${e}`, `          value: "${r.hex(8 + r.int(24))}"`);
    lines.push('        resources:', `          requests: {cpu: ${r.int(900) + 100}m, memory: ${r.int(900) + 100}Mi}`);
  }
  return lines.join('\n') + '\n';
}

function logLine(r: Seeded, i: number): string {
  const words = Array.from({ length: 4 + r.int(8) }, () => WORDS[r.int(WORDS.length)]).join(' ');
  return `2026-11-${String(1 + (i % 28)).padStart(2, '0')}T${String(i % 24).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:${String((i * 7) % 60).padStart(2, '0')}.${String(i % 1000).padStart(3, '0')}Z ${['info', 'warn', 'error', 'debug'][r.int(4)]} pod=web-${r.int(5000)} ${words} id=${r.hex(12)} took=${r.int(997)}ms\n`;
}

/** An etcd-like bbolt file: 4 KiB pages holding keys and JSON values, revisions of the same objects. */
function etcdPages(r: Seeded, bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  const page = 4096;
  const values = Array.from({ length: 400 }, (_, i) => Buffer.from(JSON.stringify({ kind: 'Pod', metadata: { name: `pod-${i}`, namespace: `team-${i % 37}` }, spec: { nodeName: `node-${i % 9}` } })));
  for (let p = 0; p * page < bytes; p++) {
    const base = p * page;
    out.writeUInt32LE(p, base);
    out.writeUInt16LE(0x02, base + 8);
    let at = base + 16;
    while (at + 200 < base + page && at + 200 < bytes) {
      const key = Buffer.from(`/registry/pods/team-${r.int(37)}/pod-${r.int(400)}`);
      key.copy(out, at);
      at += key.length;
      out.writeUInt32LE(r.int(1 << 30), at);
      at += 8;
      const v = values[r.int(values.length)]!;
      if (at + v.length >= base + page) break;
      v.copy(out, at);
      at += v.length;
    }
    if (p % 7 === 0) r.bytes(Math.min(page, bytes - base)).copy(out, base); // freed pages hold noise
  }
  return out;
}

function tarHeader(name: string, size: number, mode = 0o644): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100);
  h.write(mode.toString(8).padStart(7, '0') + '\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(size.toString(8).padStart(11, '0') + '\0', 124);
  h.write((1_764_000_000).toString(8).padStart(11, '0') + '\0', 136);
  h.write('        ', 148);
  h.write('0', 156);
  h.write('ustar\0' + '00', 257);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return h;
}

/** An image layer: a tar of binaries (random-ish with repeated sections) and text files. */
function layerTar(r: Seeded, bytes: number): Buffer {
  const parts: Buffer[] = [];
  let total = 0;
  for (let i = 0; total < bytes - 2048; i++) {
    let body: Buffer;
    if (i % 3 === 0) {
      const bin = r.bytes(20_000 + r.int(400_000));
      for (let k = 0; k + 8192 < bin.length; k += 16384) bin.copy(bin, k + 4096, k, k + 4096); // code and tables repeat
      body = bin;
    } else {
      body = Buffer.from(Array.from({ length: 20 + r.int(400) }, (_, k) => logLine(r, k)).join(''));
    }
    body = body.subarray(0, Math.max(0, Math.min(body.length, bytes - total - 2048)));
    const pad = (512 - (body.length % 512)) % 512;
    parts.push(tarHeader(`usr/lib/pkg${i % 50}/file${i}${i % 3 === 0 ? '.so' : '.txt'}`, body.length, i % 3 === 0 ? 0o755 : 0o644), body, Buffer.alloc(pad));
    total += 512 + body.length + pad;
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export interface Dataset {
  dir: string;
  bytes: number;
  files: number;
}

/**
 * Generates (once; later calls reuse it) a mixed set of about `sizeMiB` MiB: 10% Kubernetes
 * YAML in small files, 20% etcd pages, 30% image layers (2/3 tar, 1/3 tar.gz), 20% random,
 * 15% logs, 5% small text files.
 */
export function mixedDataset(sizeMiB: number): Dataset {
  const dir = path.join(os.tmpdir(), `lifeboat-bench-${VERSION}-${sizeMiB}`);
  const done = path.join(dir, '.complete');
  if (!fs.existsSync(done)) {
    fs.rmSync(dir, { recursive: true, force: true });
    const r = new Seeded(`${VERSION}-${sizeMiB}`);
    const share = (f: number) => Math.round(sizeMiB * f * MiB);
    const put = (rel: string, body: Buffer | string) => {
      const p = path.join(dir, rel);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, body);
      return typeof body === 'string' ? Buffer.byteLength(body) : body.length;
    };
    let yaml = 0;
    // One file per application, as `kubectl get -o yaml` or a Helm chart's output leaves them.
    for (let i = 0; yaml < share(0.1); i += 6) yaml += put(`manifests/team-${i % 37}/app${i}.yaml`, Array.from({ length: 6 }, (_, k) => manifest(r, i + k)).join('---\n'));
    for (let i = 0, left = share(0.2); left > 0; i++, left -= 32 * MiB) put(`etcd/member/snap/db${i}`, etcdPages(r, Math.min(left, 32 * MiB)));
    for (let i = 0, left = share(0.2); left > 0; i++, left -= 24 * MiB) put(`images/blobs/layer${i}.tar`, layerTar(r, Math.min(left, 24 * MiB)));
    for (let i = 0, left = share(0.1); left > 0; i++) {
      const gz = zlib.gzipSync(layerTar(r, Math.min(left * 2, 24 * MiB)), { level: 1 });
      left -= put(`images/blobs/layer${i}.tar.gz`, gz);
    }
    for (let i = 0, left = share(0.2); left > 0; i++, left -= 16 * MiB) put(`volumes/data/chunk${i}.bin`, r.bytes(Math.min(left, 16 * MiB)));
    for (let i = 0, left = share(0.15); left > 0; i++) {
      const lines: string[] = [];
      let n = 0;
      for (let k = 0; n < Math.min(left, 8 * MiB); k++) {
        const l = logLine(r, k);
        lines.push(l);
        n += l.length;
      }
      left -= put(`logs/app${i}.log`, lines.join(''));
    }
    let small = 0;
    for (let i = 0; small < share(0.05); i++) small += put(`home/docs/${i % 60}/note${i}.txt`, Array.from({ length: 5 + r.int(120) }, (_, k) => logLine(r, k)).join(''));
    fs.writeFileSync(done, '');
  }
  return { dir, ...treeSize(dir) };
}

/** The bytes and regular files under `dir` (the generator's completion mark left out). */
export function treeSize(dir: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name !== '.complete') {
      bytes += fs.statSync(path.join(e.parentPath, e.name)).size;
      files++;
    }
  }
  return { bytes, files };
}
