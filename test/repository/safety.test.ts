// Restore never writes outside its target: names like "..", names with "/", and names twice in a
// folder are refused; links (escaping ones too) are made as links, as restic makes them, and never
// followed.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LocalBackend, Repository, restoreSnapshot, SnapshotWriter, type Node } from '../../src/engine/repository/index.ts';
import { PASSWORD, tmpDir } from './helpers.ts';

let work: string;
let repo: Repository;

beforeAll(async () => {
  work = tmpDir('safety');
  repo = await Repository.init(new LocalBackend(path.join(work, 'repo')), PASSWORD);
});

afterAll(async () => {
  await repo.close();
  fs.rmSync(work, { recursive: true, force: true });
});

const base = { uid: 0, gid: 0, mode: 0o644, mtime: '2024-01-01T00:00:00Z', atime: '2024-01-01T00:00:00Z', ctime: '2024-01-01T00:00:00Z' };

it('restore refuses unsafe and duplicate names, makes escaping links as links and writes through none', async () => {
  const w = await SnapshotWriter.start(repo, { workers: 1 });
  await w.addBytes('/ok/fine.txt', 'fine\n');
  const evilFile = (name: string): Node => ({ ...base, name, type: 'file', size: 5, content: [] });
  const sub = await w.writeTree([
    evilFile('..'),
    evilFile('a/../../escape'),
    { ...base, name: 'abs-link', type: 'symlink', linktarget: '/etc/passwd', content: null },
    { ...base, name: 'up-link', type: 'symlink', linktarget: '../../../../outside', content: null },
    { ...base, name: 'inner-link', type: 'symlink', linktarget: '../ok/fine.txt', content: null },
  ]);
  w.placeNode('/evil', { ...base, name: 'evil', type: 'dir', mode: (0x80000000 | 0o755) >>> 0, content: null, subtree: sub });
  // Two nodes named "x": a symlink to the parent of the target, then a directory with a file.
  const inner = await w.writeTree([evilFile('planted')]);
  const twin = await w.writeTree([
    { ...base, name: 'x', type: 'symlink', linktarget: '.', content: null },
    { ...base, name: 'x', type: 'dir', mode: (0x80000000 | 0o755) >>> 0, content: null, subtree: inner },
  ]);
  w.placeNode('/twin', { ...base, name: 'twin', type: 'dir', mode: (0x80000000 | 0o755) >>> 0, content: null, subtree: twin });
  const id = await w.commit({ hostname: 'test' });

  const target = path.join(work, 'target', 'inside');
  const r = await restoreSnapshot(repo, await repo.findSnapshot(id), target);
  expect(fs.readFileSync(path.join(target, 'ok/fine.txt'), 'utf8')).toBe('fine\n');
  expect(fs.readlinkSync(path.join(target, 'evil/inner-link'))).toBe('../ok/fine.txt');
  expect(r.errors.join('\n')).toMatch(/\/evil\/\.\.: the name "\.\." in the snapshot: refused/);
  expect(r.errors.join('\n')).toMatch(/a name with a slash \("a\/\.\.\/\.\.\/escape"\) in the snapshot: refused/);
  expect(r.errors.join('\n')).toMatch(/\/twin\/x: the name appears more than once/);
  expect(fs.readlinkSync(path.join(target, 'evil/abs-link'))).toBe('/etc/passwd');
  expect(fs.readlinkSync(path.join(target, 'evil/up-link'))).toBe('../../../../outside');
  expect(fs.existsSync(path.join(target, 'twin/x'))).toBe(false);
  // Nothing appeared next to the target.
  expect(fs.readdirSync(path.join(work, 'target'))).toEqual(['inside']);
  expect(fs.existsSync(path.join(target, 'twin/planted'))).toBe(false);
  expect(fs.existsSync(path.join(work, 'escape'))).toBe(false);
});
