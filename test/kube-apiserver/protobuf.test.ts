import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './helpers.ts';

// kubectl's typed generators send protobuf bodies. Each object the server stores must be the one
// kubectl meant to send: kubectl itself prints that object with --dry-run=client -o json.
const GENERATORS: string[][] = [
  ['create', 'configmap', 'settings', '--from-literal=THEME=dark', '--from-literal=EMPTY=', '--from-file=notes.txt=NOTES'],
  ['create', 'secret', 'generic', 'x', '--from-literal=a=b', '--from-literal=password=s3cr3t!'],
  ['create', 'secret', 'generic', 'typed', '--type=lab.lifeboat.dev/token', '--from-literal=token=t'],
  ['create', 'serviceaccount', 'builder'],
  ['create', 'deployment', 'web', '--image=lab/web:1.0', '--replicas=3', '--port=8080'],
  ['create', 'job', 'once', '--image=lab/job:1.0', '--', 'sh', '-c', 'echo hi'],
  ['create', 'cronjob', 'nightly', '--image=lab/job:1.0', '--schedule=0 3 * * *'],
  ['create', 'role', 'reader', '--verb=get,list', '--resource=pods,configmaps'],
  ['create', 'rolebinding', 'reader', '--role=reader', '--serviceaccount=proto:builder'],
  ['create', 'service', 'clusterip', 'web', '--tcp=80:8080'],
  ['create', 'quota', 'small', '--hard=pods=10,requests.cpu=2'],
  ['create', 'priorityclass', 'high', '--value=1000', '--description=important'],
  ['create', 'poddisruptionbudget', 'web', '--selector=app=web', '--min-available=1'],
];

describe('protobuf request bodies (kubectl create generators)', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster('protobuf');
    const fs = await import('node:fs');
    fs.writeFileSync(`${c.dir}/NOTES`, 'line one\nline two\n');
    expect((await c.kubectl(['create', 'namespace', 'proto'])).code).toBe(0);
  });
  afterAll(async () => c?.stop());

  it('kubectl create namespace creates it', async () => {
    const ns = await c.request('GET', '/api/v1/namespaces/proto');
    expect(ns.status).toBe(200);
    expect(ns.json.spec.finalizers).toEqual(['kubernetes']);
    expect(ns.json.metadata.labels['kubernetes.io/metadata.name']).toBe('proto');
  });

  it('kubectl create secret generic x --from-literal=a=b, and configmap, store what kubectl meant', async () => {
    const r = await c.kubectl(['-n', 'proto', 'create', 'secret', 'generic', 'simple', '--from-literal=a=b']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('secret/simple created');
    const got = await c.kubectl(['-n', 'proto', 'get', 'secret', 'simple', '-o', 'jsonpath={.data.a}']);
    expect(Buffer.from(got.stdout, 'base64').toString()).toBe('b');
    const cm = await c.kubectl(['-n', 'proto', 'create', 'configmap', 'plain', '--from-literal=k=v']);
    expect(cm.code, cm.stderr).toBe(0);
    expect((await c.kubectl(['-n', 'proto', 'get', 'configmap', 'plain', '-o', 'jsonpath={.data.k}'])).stdout).toBe('v');
  });

  for (const args of GENERATORS) {
    it(`kubectl ${args.slice(0, 3).join(' ')}`, async () => {
      const cwd = ['--namespace', 'proto'];
      const dry = await c.kubectl([...cwd, ...withFlags(withDir(c.dir, args), ['--dry-run=client', '-o', 'json'])]);
      expect(dry.code, dry.stderr).toBe(0);
      const meant = JSON.parse(dry.stdout);
      const made = await c.kubectl([...cwd, ...withFlags(withDir(c.dir, args), ['-o', 'json'])]);
      expect(made.code, made.stderr).toBe(0);
      const stored = JSON.parse(made.stdout);
      expect(stored.kind).toBe(meant.kind);
      expect(stored.metadata.name).toBe(meant.metadata.name);
      expect(stored.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
      // Everything kubectl set is kept (the server only adds defaults and its own fields).
      expectContains(stored, stripEmpty(meant), meant.kind);
    });
  }

  it('a protobuf body the server cannot read is refused, not stored half-read', async () => {
    const bogus = Buffer.concat([Buffer.from('k8s\0'), Buffer.from([0x0a, 0x0f, 0x0a, 0x02, 0x76, 0x31, 0x12, 0x09, ...Buffer.from('ConfigMap'), 0x12, 0x02, 0xf8, 0x07])]);
    const r = await c.request('POST', '/api/v1/namespaces/proto/configmaps', undefined, { raw: bogus, contentType: 'application/vnd.kubernetes.protobuf' });
    expect(r.status).toBe(415);
    expect(r.json.message).toMatch(/cannot decode field 127 of ConfigMap/);
  });
});

function withDir(dir: string, args: string[]): string[] {
  return args.map((a) => a.replace('=NOTES', `=${dir}/NOTES`));
}

/** Flags go before a `--` (after it, they would be the container's command). */
function withFlags(args: string[], flags: string[]): string[] {
  const i = args.indexOf('--');
  return i < 0 ? [...args, ...flags] : [...args.slice(0, i), ...flags, ...args.slice(i)];
}

function stripEmpty(v: any): any {
  if (Array.isArray(v)) return v.map(stripEmpty);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === null) continue;
    if (typeof x === 'object' && !Array.isArray(x) && Object.keys(x as object).length === 0) continue;
    out[k] = stripEmpty(x);
  }
  return out;
}

function expectContains(actual: any, expected: any, where: string): void {
  if (expected === null || typeof expected !== 'object') {
    expect(actual, where).toEqual(expected);
    return;
  }
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), where).toBe(true);
    expect(actual.length, where).toBe(expected.length);
    expected.forEach((e, i) => expectContains(actual[i], e, `${where}[${i}]`));
    return;
  }
  for (const [k, v] of Object.entries(expected)) expectContains(actual?.[k], v, `${where}.${k}`);
}
