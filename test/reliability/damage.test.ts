// Damage contained: a damaged snapshot file or index file is named and skipped while the rest
// keeps working (prune alone stops, since their data would look unused), rebuild-index repairs a
// lost index as restic's does, a file whose blob is damaged is not left looking restored,
// temporary files of interrupted writes are named by check and removed by prune, and check is at
// least as strict as restic check on tree contents (crafted trees, restic as the oracle).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBackend, Repository } from '../../src/engine/repository/index.ts';
import { lifeboat, must, PASSWORD, pseudoRandom, restic, tmpDir } from '../repository/helpers.ts';
import { craftSnapshot, dir, file, HostileSnapshot } from './hostile.ts';

let work: string;
const files = (d: string) => fs.readdirSync(d, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));

beforeAll(() => {
  work = tmpDir('damage11');
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** A repository with two backups (a, then b) of small folders; returns its folder and the ids. */
async function twoBackups(name: string): Promise<{ repo: string; a: string; b: string; data: string; indexOfB: string[] }> {
  const data = path.join(work, `${name}-data`);
  fs.mkdirSync(path.join(data, 'a'), { recursive: true });
  fs.mkdirSync(path.join(data, 'b'), { recursive: true });
  fs.writeFileSync(path.join(data, 'a', 'one.txt'), 'one\n'.repeat(100));
  fs.writeFileSync(path.join(data, 'b', 'two.bin'), pseudoRandom(2 * 1024 * 1024, name));
  const repo = path.join(work, `${name}-repo`);
  must(await lifeboat(['-r', repo, 'repo', 'init']), 'init');
  const a = must(await lifeboat(['-r', repo, 'repo', 'backup-path', path.join(data, 'a')]), 'backup a').stdout.trim();
  const before = new Set(fs.readdirSync(path.join(repo, 'index')));
  const b = must(await lifeboat(['-r', repo, 'repo', 'backup-path', path.join(data, 'b')]), 'backup b').stdout.trim();
  return { repo, a, b, data, indexOfB: fs.readdirSync(path.join(repo, 'index')).filter((f) => !before.has(f)) };
}

describe('a damaged snapshot file', () => {
  it('is named and skipped by snapshots, restore latest, backup-path and forget (restic lists the rest too); prune stops naming it', async () => {
    const { repo, a, b, data } = await twoBackups('snap');
    // Damage the newer snapshot's file.
    fs.writeFileSync(path.join(repo, 'snapshots', b), Buffer.from('not sealed at all'));
    const list = await lifeboat(['-r', repo, 'snapshots', '--json']);
    expect(list.code).toBe(0);
    expect((JSON.parse(list.stdout) as { id: string }[]).map((s) => s.id)).toEqual([a]);
    expect(list.stderr).toContain(`warning: snapshots/${b}`);
    // restic, the oracle, lists the other one as well.
    expect((await restic(['-r', repo, 'snapshots', '--json'])).stdout).toContain(a);

    const target = path.join(work, 'snap-restore');
    const r = await lifeboat(['-r', repo, 'repo', 'restore', 'latest', '--target', target]);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readFileSync(path.join(target, data, 'a', 'one.txt'), 'utf8')).toBe('one\n'.repeat(100));
    must(await lifeboat(['-r', repo, 'repo', 'backup-path', path.join(data, 'a')]), 'backup-path with a damaged snapshot in the repository');
    const forget = await lifeboat(['-r', repo, 'repo', 'forget', '--keep-last', '5']);
    expect(forget.code, forget.stderr).toBe(0);
    expect(forget.stderr).toContain(`snapshots/${b}`);

    const prune = await lifeboat(['-r', repo, 'repo', 'prune']);
    expect(prune.code).toBe(1);
    expect(prune.stderr).toMatch(new RegExp(`snapshot ${b} cannot be read .*remove snapshots/${b}`));
    const check = await lifeboat(['-r', repo, 'repo', 'check']);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(`snapshot ${b}`);
  });
});

describe('a damaged index file', () => {
  it('check names it and calls its packs unindexed (not litter), prune stops, rebuild-index repairs it as restic rebuild-index does', async () => {
    const { repo, a, b, data, indexOfB } = await twoBackups('index');
    expect(indexOfB).toHaveLength(1);
    const index = indexOfB[0]!;
    const p = path.join(repo, 'index', index);
    const bytes = fs.readFileSync(p);
    bytes[bytes.length - 5] ^= 0xff;
    fs.writeFileSync(p, bytes);

    // Everything else keeps working, naming the damaged file: the other backup (its own index) lists.
    const list = await lifeboat(['-r', repo, 'repo', 'ls', a, '--recursive']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain('one.txt');
    expect(list.stderr).toContain(`warning: index/${index}`);
    const check = await lifeboat(['-r', repo, 'repo', 'check']);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(`index ${index}`);
    expect(check.stdout).toMatch(/not in any readable index .*rebuild-index/);
    expect(check.stdout + check.stderr).not.toMatch(/interrupted backup/);
    const prune = await lifeboat(['-r', repo, 'repo', 'prune']);
    expect(prune.code).toBe(1);
    expect(prune.stderr).toMatch(/rebuild-index.*prune stopped without changing anything/);

    const rebuilt = await lifeboat(['-r', repo, 'repo', 'rebuild-index']);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(rebuilt.stderr).toContain(`removing invalid index ${index}`);
    must(await lifeboat(['-r', repo, 'repo', 'check', '--read-data']), 'lifeboat check after rebuild-index');
    must(await restic(['-r', repo, 'check', '--read-data']), 'restic check after lifeboat rebuild-index');
    const target = path.join(work, 'index-restore');
    must(await lifeboat(['-r', repo, 'repo', 'restore', b, '--target', target]), 'restore after rebuild-index');
    expect(fs.readFileSync(path.join(target, data, 'b', 'two.bin'))).toEqual(pseudoRandom(2 * 1024 * 1024, 'index'));
  });

  it('an index lost entirely: rebuild-index --read-all-packs indexes every pack again; restic agrees', async () => {
    const { repo } = await twoBackups('lost');
    for (const f of fs.readdirSync(path.join(repo, 'index'))) fs.rmSync(path.join(repo, 'index', f));
    expect((await lifeboat(['-r', repo, 'repo', 'check'])).code).toBe(1);
    must(await lifeboat(['-r', repo, 'repo', 'rebuild-index', '--read-all-packs']), 'rebuild-index');
    must(await restic(['-r', repo, 'check', '--read-data']), 'restic check');
    must(await lifeboat(['-r', repo, 'repo', 'check', '--read-data']), 'lifeboat check');
  });
});

describe('a damaged data blob', () => {
  it('the file is not left looking restored: removed, named, exit 1; the files beside it restore', async () => {
    const { repo, data } = await twoBackups('blob');
    const big = files(path.join(repo, 'data')).sort((x, y) => fs.statSync(y).size - fs.statSync(x).size)[0]!;
    const bytes = fs.readFileSync(big);
    bytes[100] ^= 0xff;
    fs.writeFileSync(big, bytes);
    // Back up both folders into one snapshot that uses the damaged blob and a good one.
    const both = must(await lifeboat(['-r', repo, 'repo', 'backup-path', data]), 'backup of both').stdout.trim();
    const target = path.join(work, 'blob-restore');
    const r = await lifeboat(['-r', repo, 'repo', 'restore', both, '--target', target]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/two\.bin: not restored whole \(.*MAC mismatch.*\): removed/);
    expect(fs.existsSync(path.join(target, data, 'b', 'two.bin'))).toBe(false);
    expect(fs.readFileSync(path.join(target, data, 'a', 'one.txt'), 'utf8')).toBe('one\n'.repeat(100));
  });
});

describe('temporary files of interrupted writes', () => {
  it('check names them, prune removes them, restic check agrees before and after', async () => {
    const { repo } = await twoBackups('tmp');
    const name = `${'ab'.repeat(32)}-tmp-123456`;
    const tmp = path.join(repo, 'data', 'ab', name);
    fs.writeFileSync(tmp, pseudoRandom(1024 * 1024, 'tmp'));
    const check = await lifeboat(['-r', repo, 'repo', 'check']);
    expect(check.code).toBe(0);
    expect(check.stderr).toContain(`data/ab/${name}: a temporary file (1048576 bytes)`);
    must(await restic(['-r', repo, 'check']), 'restic check with a temporary file');
    const prune = must(await lifeboat(['-r', repo, 'repo', 'prune']), 'prune');
    expect(prune.stdout).toMatch(/1 temporary files removed/);
    expect(fs.existsSync(tmp)).toBe(false);
    expect((await lifeboat(['-r', repo, 'repo', 'check'])).stderr).not.toContain('temporary');
    must(await restic(['-r', repo, 'check']), 'restic check after prune');
  });
});

describe('repo check on crafted trees, at least as strict as restic check', () => {
  const cases: { name: string; nodes: () => ReturnType<typeof file>[]; lifeboat: RegExp; restic?: RegExp }[] = [
    { name: 'a node with an empty name', nodes: () => [file('', 'x\n')], lifeboat: /node with empty name/, restic: /node with empty name/ },
    { name: 'a node of an invalid type', nodes: () => [{ type: 'hardlink', name: 'h', content: null } as never], lifeboat: /with invalid type "hardlink"/, restic: /invalid type/ },
    { name: 'a name with a slash', nodes: () => [file('a/../../x', 'x\n')], lifeboat: /a name with a slash/ },
    { name: 'a name that is ".."', nodes: () => [dir('..', [])], lifeboat: /the name "\.\."/ },
    { name: 'a name twice in one folder', nodes: () => [file('x', 'x\n'), file('x', 'y\n')], lifeboat: /"x" appears more than once/ },
    { name: 'a size that its blobs do not hold', nodes: () => [file('f', 'short\n', { size: 1 << 20 })], lifeboat: /size 1048576, its blobs hold 6 bytes/ },
  ];
  let repoDir: string;
  let repo: Repository;
  beforeAll(async () => {
    repoDir = path.join(work, 'crafted-repo');
    repo = await Repository.init(new LocalBackend(repoDir), PASSWORD);
  });
  afterAll(() => repo.close());

  it.each(cases)('$name: lifeboat repo check reports it and exits 1 (and so does restic where it checks it)', async (c) => {
    const id = await craftSnapshot(repo, c.nodes());
    const lb = await lifeboat(['-r', repoDir, 'repo', 'check']);
    const rs = await restic(['-r', repoDir, 'check']);
    expect(lb.code).toBe(1);
    expect(lb.stdout).toMatch(c.lifeboat);
    if (c.restic) {
      expect(rs.code).not.toBe(0);
      expect(rs.stdout + rs.stderr).toMatch(c.restic);
    }
    // Next case starts clean: this snapshot goes.
    fs.rmSync(path.join(repoDir, 'snapshots', id));
  });

  it('a mode whose type bits say "directory" on a file node is an error', async () => {
    const h = new HostileSnapshot(repo);
    // The generator writes modes from the type, so this tree is written by hand.
    const raw = h.rawTree(Buffer.from(JSON.stringify({ nodes: [{ name: 'g', type: 'file', mode: (0x80000000 | 0o644) >>> 0, mtime: '2024-01-01T00:00:00Z', atime: '2024-01-01T00:00:00Z', ctime: '2024-01-01T00:00:00Z', uid: 0, gid: 0, content: [] }] }) + '\n'));
    const id = await h.commit(raw);
    const lb = await lifeboat(['-r', repoDir, 'repo', 'check']);
    expect(lb.code).toBe(1);
    expect(lb.stdout).toMatch(/node "g": its mode 20000000644 says another type than file/);
    fs.rmSync(path.join(repoDir, 'snapshots', id));
  });
});
