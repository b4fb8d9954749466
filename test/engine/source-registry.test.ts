// A source added through the registry alone (no other file of src knows it) is configured,
// probed, backed up, inventoried, listed in a snapshot's contents, planned and restored like the
// built-in ones: the registry is the only place a new source has to be named.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../src/engine/backup/backup.ts';
import { planBackup } from '../../src/engine/backup/plan.ts';
import { loadConfig } from '../../src/engine/config/load.ts';
import type { LifeboatConfig } from '../../src/engine/config/schema.ts';
import { endpointsOf } from '../../src/engine/environment/endpoints.ts';
import { probeEndpoints } from '../../src/engine/environment/probe.ts';
import { buildInventory } from '../../src/engine/inventory/build.ts';
import { LocalBackend, Repository, type SnapshotInfo } from '../../src/engine/repository/index.ts';
import { snapshotContents } from '../../src/engine/restore/contents.ts';
import { planRestore } from '../../src/engine/restore/plan.ts';
import { runRestore } from '../../src/engine/restore/restore.ts';
import { restoreTarget } from '../../src/engine/restore/target.ts';
import { addSource, defaultRestoreSources, restoreSources, sourceKinds, sourceOfItem } from '../../src/engine/sources/registry.ts';
import { notesSource, readWhole } from './fake-source.ts';

let tmp: string;
let repo: Repository;
let config: LifeboatConfig;
let removeSource: () => void;
let snapshot: SnapshotInfo;

beforeAll(async () => {
  removeSource = addSource(notesSource);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-fake-source-'));
  fs.mkdirSync(path.join(tmp, 'todo'));
  fs.writeFileSync(path.join(tmp, 'todo', 'monday.txt'), 'rotate the keys\n');
  fs.writeFileSync(path.join(tmp, 'todo', 'tuesday.txt'), 'test the restore\n');
  // A relative folder: the source's resolvePaths makes it absolute against the config's folder.
  fs.writeFileSync(path.join(tmp, 'lifeboat.yaml'), 'notes:\n  - name: todo\n    dir: todo\n');
  config = loadConfig({ file: path.join(tmp, 'lifeboat.yaml'), cwd: tmp, env: {} }).config;
  repo = await Repository.init(new LocalBackend(path.join(tmp, 'repo')), 'pw');
});

afterAll(async () => {
  removeSource();
  await repo?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('a source added through the registry alone', () => {
  it('is named with the built-in ones, and its config section is validated and resolved', () => {
    expect(sourceKinds()).toContain('notes');
    expect(restoreSources()).toContain('notes');
    expect(defaultRestoreSources()).toContain('notes');
    expect(sourceOfItem('note:todo/monday.txt')).toBe('notes');
    expect(config.notes).toEqual([{ name: 'todo', dir: path.join(tmp, 'todo') }]);
    fs.writeFileSync(path.join(tmp, 'typo.yaml'), 'notes:\n  - name: todo\n    dri: todo\n');
    expect(() => loadConfig({ file: path.join(tmp, 'typo.yaml'), cwd: tmp, env: {} })).toThrow(/notes\[0\]\.dri" is not a known key \(did you mean "dir"\?\)/);
  });

  it('has its endpoint listed and probed', async () => {
    const endpoints = endpointsOf(config, undefined, {});
    expect(endpoints).toEqual([{ kind: 'notes-folder', name: 'todo', address: path.join(tmp, 'todo') }]);
    expect(await probeEndpoints(endpoints, undefined)).toEqual([{ ...endpoints[0], ok: true, detail: '2 notes' }]);
  });

  it('is backed up into its folder of the snapshot, and says what to configure when it is missing', async () => {
    const unconfigured = await planBackup({ config: {}, env: {} });
    expect(unconfigured.notConfigured).toContainEqual({ kind: 'notes', reason: 'no notes: add notes[] to lifeboat.yaml' });
    await expect(planBackup({ config: {}, env: {}, only: ['notes'] })).rejects.toThrow('notes cannot be backed up: no notes: add notes[] to lifeboat.yaml');

    const plan = await planBackup({ config, env: {}, only: ['notes'] });
    expect(plan.sources.map((s) => s.kind)).toEqual(['notes']);
    const report = await runBackup({ repo, plan, version: 'test', hostname: 'test-host' });
    expect(report.status).toBe('complete');
    expect(report.manifest.jobs).toMatchObject([{ kind: 'notes', status: 'ok', items: 2 }]);
    expect(report.manifest.captured.map((c) => c.id)).toEqual(['note:todo/monday.txt', 'note:todo/tuesday.txt']);
    snapshot = (await repo.listSnapshots()).find((s) => s.id === report.snapshot)!;
    expect(snapshot.paths).toEqual(['/notes']);
    expect(snapshot.tags).toContain('notes');
    expect((await readWhole(repo, snapshot, '/notes/todo/monday.txt')).toString()).toBe('rotate the keys\n');

    // A marked item brings its source along, alone.
    const marked = await planBackup({ config, env: {}, items: ['note:todo/tuesday.txt'] });
    expect(marked.sources.map((s) => s.kind)).toEqual(['notes']);
  });

  it('is in the inventory, covered by the snapshot that holds it', async () => {
    const inventory = await buildInventory({ config, repo });
    const notes = inventory.items.filter((i) => i.source === 'notes');
    expect(notes.map((i) => [i.name, i.verdict, i.covered?.snapshot])).toEqual([
      ['todo/monday.txt', 'needs-backup', snapshot.id],
      ['todo/tuesday.txt', 'needs-backup', snapshot.id],
    ]);
    expect(inventory.coverage).toMatchObject({ covered: 2, total: 2 });
  });

  it('is in the snapshot contents, planned and restored', async () => {
    expect((await snapshotContents(repo, snapshot)).sources).toEqual([{ source: 'notes', items: 2 }]);
    fs.rmSync(path.join(tmp, 'todo', 'tuesday.txt'));
    const target = await restoreTarget(config, undefined, {});
    const plan = await planRestore({ repo, snapshot, target });
    expect(plan.actions.map((a) => [a.source, a.id, a.verb, a.reason])).toEqual([
      ['notes', 'note:todo/monday.txt', 'skip', 'already there'],
      ['notes', 'note:todo/tuesday.txt', 'write', 'missing here'],
    ]);
    const report = await runRestore({ repo, snapshot, plan, target });
    target.close();
    expect(report.status).toBe('ok');
    expect(report.results.map((r) => [r.id, r.title, r.status])).toEqual([['notes', 'Notes', 'ok']]);
    expect(report.items.map((i) => [i.id, i.outcome])).toEqual([
      ['note:todo/monday.txt', 'skipped'],
      ['note:todo/tuesday.txt', 'restored'],
    ]);
    expect(fs.readFileSync(path.join(tmp, 'todo', 'tuesday.txt'), 'utf8')).toBe('test the restore\n');
  });

  it('is gone from every list once taken out again', () => {
    const remove = addSource({ ...notesSource, kind: 'notes2' as 'notes', itemPrefix: 'note2' });
    expect(() => addSource(notesSource)).toThrow(/registered already/);
    remove();
    expect(sourceKinds().filter((k) => (k as string) === 'notes2')).toEqual([]);
  });
});
