// Crafted hostile snapshots (written in restic's format directly, test/reliability/hostile.ts)
// against every restore path: `lifeboat repo restore` (with real restic restoring the same
// snapshot as the oracle), volumes into --volume-target with each existing-resource policy,
// Prometheus files with and without --prometheus-target and a configured server, the etcd
// snapshot file, and image layouts. After each, nothing outside the restore target has changed.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBackend, Repository } from '../../src/engine/repository/index.ts';
import { planRestore } from '../../src/engine/restore/plan.ts';
import { runRestore } from '../../src/engine/restore/restore.ts';
import type { RestoreOptions, RestoreSource, RestoreTarget } from '../../src/engine/restore/types.ts';
import { describeTree, lifeboat, PASSWORD, restic, tmpDir } from '../repository/helpers.ts';
import { craftSnapshot, dir, file, link, type Hostile } from './hostile.ts';

let work: string;
let repoDir: string;
let repo: Repository;
let outside: string;
let before: ReturnType<typeof describeTree>;

const Y2001 = '2001-09-09T01:46:40Z';
/** Links that each stay inside lexically, and together reach the target's grandparent. */
const hops = () => [link('up', '.'), link('up2', 'up/..'), link('up3', 'up2/..')];

function outsideUnchanged(): void {
  const now = describeTree(outside);
  expect([...now.entries()]).toEqual([...before.entries()]);
  // Nothing appeared next to the folders the tests restore into, either.
  expect(fs.readdirSync(work).sort()).toEqual(['outside', 'repo', 't']);
}

beforeAll(async () => {
  work = tmpDir('hostile');
  repoDir = path.join(work, 'repo');
  repo = await Repository.init(new LocalBackend(repoDir), PASSWORD);
  outside = path.join(work, 'outside');
  fs.mkdirSync(path.join(outside, 'dir'), { recursive: true });
  fs.writeFileSync(path.join(outside, 'victim'), 'precious\n');
  fs.chmodSync(path.join(outside, 'victim'), 0o644);
  fs.writeFileSync(path.join(outside, 'dir', 'inner'), 'also precious\n');
  fs.utimesSync(path.join(outside, 'victim'), new Date('2020-01-01T00:00:00Z'), new Date('2020-01-01T00:00:00Z'));
  fs.utimesSync(path.join(outside, 'dir'), new Date('2020-01-01T00:00:00Z'), new Date('2020-01-01T00:00:00Z'));
  fs.mkdirSync(path.join(work, 't'));
  before = describeTree(outside);
});

afterAll(async () => {
  await repo.close();
  fs.rmSync(work, { recursive: true, force: true });
});

/** A fresh folder under work/t for one restore. */
const fresh = (name: string) => path.join(work, 't', name);

describe('lifeboat repo restore of crafted snapshots, with restic as the oracle', () => {
  // Each case: the snapshot's root nodes, given the outside folder; and whether restic 0.14 left
  // the outside alone too (it does in each of these).
  const cases: { name: string; nodes: () => Hostile[]; depth?: number }[] = [
    {
      name: 'a setuid directory, then a link of the same name to a file outside (absolute)',
      nodes: () => [dir('x', [file('planted', 'pwned\n')], { mode: 0o6777, mtime: Y2001 }), link('x', path.join(outside, 'victim'))],
    },
    {
      name: 'the same with the link first',
      nodes: () => [link('x', path.join(outside, 'dir')), dir('x', [file('inner', 'pwned\n', { mode: 0o6777, mtime: Y2001 })], { mode: 0o6777, mtime: Y2001 })],
    },
    {
      name: 'a setuid directory, then a link of its name built of lexically-inside hops',
      // The target is work/t/<case>: up3 resolves to work, so z points at work/outside/victim.
      nodes: () => [...hops(), dir('z', [], { mode: 0o6777, mtime: Y2001 }), link('z', 'up3/outside/victim')],
    },
    {
      name: 'a directory whose parent is then replaced by a link (the deferred metadata pass)',
      nodes: () => [...hops(), dir('p', [dir('dir', [], { mode: 0o6777, mtime: Y2001 })]), link('p', 'up3/outside')],
    },
    {
      name: 'names that lead out or are not names: .., a/../../x, "", ".", NUL, /abs',
      nodes: () => [
        file('..', 'pwned\n'),
        file('../outside/victim', 'pwned\n'),
        file('a/../../escaped', 'pwned\n'),
        file('', 'pwned\n'),
        dir('.', [file('victim', 'pwned\n')]),
        file('nul\0victim', 'pwned\n'),
        file(path.join(outside, 'victim'), 'pwned\n'),
        file('fine', 'fine\n'),
      ],
    },
  ];

  for (const c of cases) {
    it(`${c.name}: lifeboat exits 1 naming what it refused, restic and lifeboat change nothing outside`, async () => {
      const id = await craftSnapshot(repo, c.nodes());
      const slug = c.name.replace(/[^a-z]+/g, '-').slice(0, 40);
      const mine = fresh(`lb-${slug}`);
      const theirs = fresh(`rs-${slug}`);
      const r = await lifeboat(['-r', repoDir, 'repo', 'restore', id.slice(0, 12), '--target', mine]);
      const rs = await restic(['-r', repoDir, 'restore', id, '--target', theirs]);
      outsideUnchanged();
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/refused|not made|never followed|not restored/);
      // restic (the oracle) restored the same snapshot before the check above: it changed nothing
      // outside either, and it too reports what it could not restore.
      expect(rs.code, rs.stdout).not.toBe(0);
    });
  }

  it('an escaping link is made as a link, like restic does, and the safe files beside it restore (exit 0)', async () => {
    const id = await craftSnapshot(repo, [link('host', '/etc/hostname'), link('up', '../../outside/victim'), file('data', 'data\n', { mtime: Y2001 })]);
    const mine = fresh('lb-links');
    const theirs = fresh('rs-links');
    const r = await lifeboat(['-r', repoDir, 'repo', 'restore', id.slice(0, 12), '--target', mine]);
    expect(r.code, r.stderr).toBe(0);
    expect((await restic(['-r', repoDir, 'restore', id, '--target', theirs])).code).toBe(0);
    expect([...describeTree(mine).entries()]).toEqual([...describeTree(theirs).entries()]);
    expect(fs.readlinkSync(path.join(mine, 'host'))).toBe('/etc/hostname');
    outsideUnchanged();
  });
});

/** Plans and runs a restore of crafted snapshot `id` with only `sources`. */
async function restoreCrafted(id: string, sources: RestoreSource[], options: RestoreOptions, target: RestoreTarget = {}) {
  const snapshot = await repo.findSnapshot(id);
  const plan = await planRestore({ repo, snapshot, scope: { sources }, target, options });
  const report = await runRestore({ repo, snapshot, plan, target });
  return { plan, report };
}

describe('volumes from a crafted snapshot, into --volume-target, with each existing-resource policy', () => {
  for (const policy of ['skip', 'update', 'recreate'] as const) {
    it(`${policy}: volume names "..", "../../escaped", "v1/lnk" (through a link volume v1 made) are refused; the safe one restores`, async () => {
      const vt = fresh(`vt-${policy}`);
      // What is already there: a folder the "../.." name would land in, and data in the target.
      fs.mkdirSync(path.join(vt, 'docker', 'ok'), { recursive: true });
      fs.writeFileSync(path.join(vt, 'docker', 'ok', 'old'), 'old\n');
      fs.writeFileSync(path.join(vt, 'sentinel'), 'keep\n');
      const volume = (name: string, children: Hostile[]) => dir(name, children);
      const id = await craftSnapshot(repo, [
        dir('volumes', [
          dir('docker', [
            volume('..', [file('sentinel', 'pwned\n'), file('planted', 'pwned\n')]),
            volume('../../../outside', [file('victim', 'pwned\n'), dir('dir', [], { mode: 0o6777, mtime: Y2001 })]),
            volume('ok', [file('new', 'new\n'), link('abs', path.join(outside, 'victim'))]),
            // A setuid folder, then a link of the same name to a file outside (the case 1).
            volume('twin', [dir('x', [], { mode: 0o6777, mtime: Y2001 }), link('x', path.join(outside, 'victim'))]),
            volume('v1', [link('lnk', outside)]),
            volume('v1/lnk', [file('victim', 'pwned\n'), file('planted', 'pwned\n')]),
          ]),
          dir('pv', [volume('..', [file('planted', 'pwned\n')]), volume('a/../../../../outside', [file('victim', 'pwned\n')])]),
        ]),
      ]);
      const { plan, report } = await restoreCrafted(id, ['volumes'], { volumeTarget: vt, existingPolicy: policy });
      outsideUnchanged();
      expect(fs.readFileSync(path.join(vt, 'sentinel'), 'utf8')).toBe('keep\n');
      expect(fs.existsSync(path.join(vt, 'planted'))).toBe(false);
      expect(fs.existsSync(path.join(vt, 'docker', 'planted'))).toBe(false);
      expect(plan.warnings.filter((w) => /refused/.test(w))).toHaveLength(5);
      const failed = report.items.filter((i) => i.outcome === 'failed');
      expect(failed.map((i) => i.reason).every((r) => /refused/.test(r ?? ''))).toBe(true);
      expect(failed.filter((i) => i.title !== 'Docker volume twin')).toHaveLength(5);
      if (policy !== 'skip') expect(failed.find((i) => i.title === 'Docker volume twin')?.reason).toMatch(/more than once/);
      expect(report.status).toBe('failed');
      // v1 (a link to outside) restores as a link; nothing is written through it.
      expect(fs.readlinkSync(path.join(vt, 'docker', 'v1', 'lnk'))).toBe(outside);
      const ok = report.items.find((i) => i.title === 'Docker volume ok')!;
      if (policy === 'skip') {
        expect(ok.outcome).toBe('skipped');
      } else {
        expect(ok.outcome, ok.reason).toBe('restored');
        expect(fs.readlinkSync(path.join(vt, 'docker', 'ok', 'abs'))).toBe(path.join(outside, 'victim'));
        expect(fs.existsSync(path.join(vt, 'docker', 'ok', 'old'))).toBe(policy === 'update');
      }
    });
  }
});

describe('Prometheus files from a crafted snapshot', () => {
  const rulesDir = () => path.join(work, 't', 'prom-rules');

  async function fakePrometheus(): Promise<{ url: string; close(): void }> {
    const configFile = path.join(rulesDir(), 'prometheus.yml');
    const server = http.createServer((req, res) => {
      const send = (data: unknown) => res.end(JSON.stringify({ status: 'success', data }));
      if (req.url === '/api/v1/status/flags') return send({ 'config.file': configFile });
      if (req.url === '/api/v1/status/config') return send({ yaml: 'rule_files: ["rules/*.yml"]\n' });
      if (req.url === '/api/v1/rules') return send({ groups: [] });
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
  }

  /** /prometheus/srv/rules/<abs path> nodes for `files` (absolute paths). */
  function rulesTree(files: Record<string, string>): Hostile[] {
    type D = Map<string, D | string>;
    const root: D = new Map();
    for (const [p, data] of Object.entries(files)) {
      const parts = p.slice(1).split('/');
      let d = root;
      for (const part of parts.slice(0, -1)) d = (d.get(part) as D) ?? (d.set(part, new Map()), d.get(part) as D);
      d.set(parts.at(-1)!, data);
    }
    const toNodes = (d: D): Hostile[] => [...d].map(([n, v]) => (typeof v === 'string' ? file(n, v) : dir(n, toNodes(v))));
    return toNodes(root);
  }

  it('with no Prometheus configured and no --prometheus-target, nothing is written anywhere', async () => {
    const id = await craftSnapshot(repo, [dir('prometheus', [dir('srv', [dir('rules', rulesTree({ [path.join(outside, 'victim')]: 'pwned\n', [path.join(outside, 'new.yml')]: 'pwned\n' }))])])]);
    const { plan, report } = await restoreCrafted(id, ['prometheus'], {});
    expect(plan.actions.every((a) => a.verb === 'skip')).toBe(true);
    expect(report.items.every((i) => i.outcome === 'skipped')).toBe(true);
    outsideUnchanged();
  });

  it('with a configured server, only the rule files the server names are written', async () => {
    const prom = await fakePrometheus();
    try {
      fs.mkdirSync(path.join(rulesDir(), 'rules'), { recursive: true });
      const good = path.join(rulesDir(), 'rules', 'good.yml');
      const id = await craftSnapshot(repo, [
        dir('prometheus', [dir(`127.0.0.1-${new URL(prom.url).port}`, [dir('rules', rulesTree({ [good]: 'groups: []\n', [path.join(outside, 'victim')]: 'pwned\n', [path.join(rulesDir(), 'rules', 'x', 'deep.yml')]: 'pwned\n' }))])]),
      ]);
      const { plan, report } = await restoreCrafted(id, ['prometheus'], { existingPolicy: 'update' }, { prometheus: [{ url: prom.url }] });
      expect(report.status, JSON.stringify(report.items)).toBe('ok');
      expect(fs.readFileSync(good, 'utf8')).toBe('groups: []\n');
      expect(fs.existsSync(path.join(rulesDir(), 'rules', 'x'))).toBe(false);
      expect(plan.actions[0]!.warnings.join('\n')).toContain(`rule file ${path.join(outside, 'victim')} is not one`);
      outsideUnchanged();
    } finally {
      prom.close();
    }
  });

  it('under --prometheus-target: a server name with "/" or "..", through a link its own TSDB made, is refused', async () => {
    const pt = fresh('prom-target');
    const id = await craftSnapshot(repo, [
      dir('prometheus', [
        dir('srv', [file('prometheus.yml', 'global: {}\n'), dir('tsdb', [link('lnk', outside), file('meta', 'm\n')])]),
        dir('srv/tsdb/lnk', [file('prometheus.yml', 'pwned\n'), dir('rules', [file('victim', 'pwned\n')])]),
        dir('..', [file('prometheus.yml', 'pwned\n')]),
      ]),
    ]);
    const { report } = await restoreCrafted(id, ['prometheus'], { prometheusTarget: pt, existingPolicy: 'update' });
    outsideUnchanged();
    expect(fs.readlinkSync(path.join(pt, 'srv', 'tsdb', 'lnk'))).toBe(outside);
    expect(fs.readFileSync(path.join(pt, 'srv', 'prometheus.yml'), 'utf8')).toBe('global: {}\n');
    expect(fs.existsSync(path.join(work, 't', 'prometheus.yml'))).toBe(false);
    const failed = report.items.filter((i) => i.outcome === 'failed');
    expect(failed).toHaveLength(2);
    expect(failed.every((i) => /refused/.test(i.reason ?? ''))).toBe(true);
  });
});

describe('etcd and images from a crafted snapshot', () => {
  it('etcd: the snapshot file is never written through a link already at its name', async () => {
    const base = fresh('etcd');
    fs.mkdirSync(base);
    fs.symlinkSync(path.join(outside, 'victim'), path.join(base, 'new.snapshot.db'));
    const id = await craftSnapshot(repo, [dir('etcd', [file('snapshot.db', 'not an etcd snapshot, and long enough to have a trailer: ' + 'x'.repeat(64))])]);
    const { report } = await restoreCrafted(id, ['etcd'], { etcdDataDir: path.join(base, 'new') });
    expect(report.items[0]!.outcome).toBe('failed');
    expect(report.items[0]!.reason).toMatch(/damaged|SHA-256/);
    outsideUnchanged();
  });

  it('images: a layout naming a blob by a digest that leads out is refused', async () => {
    const index = { schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: 'sha256:../../../../outside/victim', size: 10 }] };
    const id = await craftSnapshot(repo, [dir('images', [file('index.json', JSON.stringify(index)), file('oci-layout', '{"imageLayoutVersion":"1.0.0"}'), dir('blobs', [dir('sha256', [])])])]);
    const snapshot = await repo.findSnapshot(id);
    await expect(planRestore({ repo, snapshot, scope: { sources: ['images'] }, target: {} })).rejects.toThrow(/unsupported digest/);
    outsideUnchanged();
  });
});
