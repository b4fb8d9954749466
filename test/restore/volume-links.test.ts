// Volume data keeps absolute links: they are restored as the links they are (as restic does), and
// still nothing is ever written through one, outside the target.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalBackend, Repository, SnapshotWriter, restoreSnapshot } from '../../src/engine/repository/index.ts';
import { repositorySink } from '../../src/engine/sources/repository-sink.ts';

describe('restoring volume data with links', () => {
  it('makes absolute and escaping links as links, writes through none, and verifies files by hash', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-links-'));
    const outside = path.join(dir, 'outside');
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'precious'), 'untouched\n');
    const src = path.join(dir, 'src');
    fs.mkdirSync(path.join(src, 'data'), { recursive: true });
    fs.writeFileSync(path.join(src, 'data', 'file'), 'volume data\n');
    fs.writeFileSync(path.join(src, 'precious'), 'from the snapshot\n');
    fs.symlinkSync('/var/lib/postgresql/data', path.join(src, 'absolute'));
    fs.symlinkSync('../../outside', path.join(src, 'escaping'));
    fs.symlinkSync('data/file', path.join(src, 'inside'));

    const repo = await Repository.init(new LocalBackend(path.join(dir, 'repo')), 'pw');
    const writer = await SnapshotWriter.start(repo, { workers: 1 });
    await repositorySink(writer).addTree('/volumes/docker/v', src);
    const snap = await repo.findSnapshot(await writer.commit({ tags: ['test'] }));

    // The target already holds a link where the snapshot has a folder and a file: neither is followed.
    const target = path.join(dir, 'target');
    fs.mkdirSync(target);
    fs.symlinkSync(outside, path.join(target, 'data'));
    fs.symlinkSync(path.join(outside, 'precious'), path.join(target, 'precious'));
    const r = await restoreSnapshot(repo, snap, target, { include: '/volumes/docker/v', stripInclude: true, verify: true });
    expect(fs.readlinkSync(path.join(target, 'absolute'))).toBe('/var/lib/postgresql/data');
    expect(fs.readlinkSync(path.join(target, 'escaping'))).toBe('../../outside');
    expect(fs.readlinkSync(path.join(target, 'inside'))).toBe('data/file');
    // The file replaced the link (unlinked first), the folder behind a link was refused.
    expect(fs.lstatSync(path.join(target, 'precious')).isFile()).toBe(true);
    expect(fs.readFileSync(path.join(target, 'precious'), 'utf8')).toBe('from the snapshot\n');
    expect(r.errors.join('\n')).toMatch(/data is a symlink: a link is never followed/);
    expect(fs.readdirSync(outside)).toEqual(['precious']);
    expect(fs.readFileSync(path.join(outside, 'precious'), 'utf8')).toBe('untouched\n');
    expect(r.verified).toBe(r.files);
    await repo.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
