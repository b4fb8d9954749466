// The TUI's services over one engine session: the repository is opened once (its key file read
// and scrypt run a single time) however many screens ask, before and after a backup; a snapshot
// another process writes meanwhile is seen and readable; a repository that failed to open is
// tried again on the next call.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineServices } from '../../src/cli/tui-services.ts';
import { runBackup } from '../../src/engine/backup/backup.ts';
import type { Manifest } from '../../src/engine/backup/manifest.ts';
import { planBackup } from '../../src/engine/backup/plan.ts';
import type { LifeboatConfig } from '../../src/engine/config/schema.ts';
import { LocalBackend, Repository, WrongPasswordError } from '../../src/engine/repository/index.ts';
import { EngineSession } from '../../src/engine/session.ts';
import { addSource } from '../../src/engine/sources/registry.ts';
import { notesSource } from '../engine/fake-source.ts';

/** A real local backend that counts the reads of key files: one per key derivation. */
class KeyCountingBackend extends LocalBackend {
  keyReads = 0;
  override async read(name: string, offset?: number, length?: number): Promise<Buffer> {
    if (name.startsWith('keys/')) this.keyReads++;
    return super.read(name, offset, length);
  }
}

let tmp: string;
let repoDir: string;
let config: LifeboatConfig;
let removeSource: () => void;

beforeAll(async () => {
  removeSource = addSource(notesSource);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-session-'));
  fs.mkdirSync(path.join(tmp, 'todo'));
  fs.writeFileSync(path.join(tmp, 'todo', 'monday.txt'), 'rotate the keys\n');
  config = { notes: [{ name: 'todo', dir: path.join(tmp, 'todo') }] };
  repoDir = path.join(tmp, 'repo');
  await (await Repository.init(new LocalBackend(repoDir), 'pw')).close();
});

afterAll(() => {
  removeSource();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function session(password: () => string) {
  const backends: KeyCountingBackend[] = [];
  const s = new EngineSession({
    config,
    env: {},
    repository: () => ({ location: { scheme: 'local', path: repoDir }, password: password() }),
    openBackend: (location) => {
      const b = new KeyCountingBackend(location.scheme === 'local' ? location.path : '');
      backends.push(b);
      return b;
    },
  });
  return { session: s, backends };
}

describe('the TUI services over one engine session', () => {
  it('open the repository once across every screen, a backup and a restore plan', async () => {
    const { session: s, backends } = session(() => 'pw');
    const services = await engineServices(s, { repository: repoDir });
    expect(services.repository).toBe(repoDir);
    expect(await services.listSnapshots()).toEqual([]);
    const summary = await services.startBackup({}).done;
    expect(summary.status).toBe('complete');
    const snapshots = await services.listSnapshots();
    expect(snapshots.map((x) => [x.id, x.sources])).toEqual([[summary.snapshotId, ['notes']]]);
    expect(((await services.readManifest(summary.snapshotId!)) as Manifest).captured.map((c) => c.id)).toEqual(['note:todo/monday.txt']);
    expect((await services.snapshotContents(summary.snapshotId!)).sources).toEqual([{ source: 'notes', items: 1 }]);
    const inventory = await services.loadInventory();
    expect(inventory.items.find((i) => i.id === 'note:todo/monday.txt')?.covered?.snapshot).toBe(summary.snapshotId);
    const planned = await services.planRestore({ snapshot: summary.snapshotId!, scope: {}, options: {} });
    expect(planned.plan.actions.map((a) => [a.id, a.verb])).toEqual([['note:todo/monday.txt', 'skip']]);

    // A backup by another process (its own repository handle) is seen, and its data read.
    const other = await Repository.open(new LocalBackend(repoDir), 'pw');
    fs.writeFileSync(path.join(tmp, 'todo', 'tuesday.txt'), 'test the restore\n');
    const report = await runBackup({ repo: other, plan: await planBackup({ config, env: {} }), version: 'test', hostname: 'elsewhere' });
    await other.close();
    expect((await services.listSnapshots()).map((x) => x.id)).toContain(report.snapshot);
    expect((await services.snapshotContents(report.snapshot!)).sources).toEqual([{ source: 'notes', items: 2 }]);

    expect(backends).toHaveLength(1);
    expect(backends[0]!.keyReads).toBe(1);
    await s.close();

    // A second session (a second run of the TUI) opens it again: the count is of real opens.
    const again = session(() => 'pw');
    await (await engineServices(again.session)).listSnapshots();
    expect(again.backends[0]!.keyReads).toBe(1);
    await again.session.close();
  });

  it('try a repository that did not open again on the next call', async () => {
    let password = 'wrong';
    const { session: s } = session(() => password);
    const services = await engineServices(s);
    await expect(services.listSnapshots()).rejects.toBeInstanceOf(WrongPasswordError);
    password = 'pw';
    expect((await services.listSnapshots()).length).toBe(2);
    await s.close();
  });
});
