// The backup's threads (a worker and the main thread) each read, chunk, hash and store files; a
// chunk both meet is stored once, whichever thread meets it first. What a user checks: the same
// content in many files takes the room of one, restic checks and restores it byte for byte.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { LocalBackend, Repository, SnapshotWriter } from '../../src/engine/repository/index.ts';
import { BlobSet } from '../../src/engine/repository/blob-set.ts';
import { must, PASSWORD, restic, tmpDir } from './helpers.ts';

const work = tmpDir('dedup-threads');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

it('stores content met by several threads at once only once; restic check --read-data and restore agree', async () => {
  const data = path.join(work, 'data');
  fs.mkdirSync(data);
  // 60 copies of two contents (one small file, one of several chunks) among distinct files, in
  // batches that go to both threads.
  const small = crypto.randomBytes(200 * 1024);
  const large = crypto.randomBytes(3 * 1024 * 1024 + 12345);
  let unique = small.length + large.length;
  for (let i = 0; i < 60; i++) {
    fs.writeFileSync(path.join(data, `small-${i}`), small);
    fs.writeFileSync(path.join(data, `large-${i}`), large);
    const own = crypto.randomBytes(50 * 1024 + i);
    fs.writeFileSync(path.join(data, `own-${i}`), own);
    unique += own.length;
  }
  const repoDir = path.join(work, 'repo');
  const repo = await Repository.init(new LocalBackend(repoDir), PASSWORD);
  const writer = await SnapshotWriter.start(repo, { workers: 2 });
  await writer.addPath(data, '/data');
  await writer.commit();
  expect(writer.stats.bytesDone).toBe(unique + 59 * (small.length + large.length));
  expect(writer.stats.bytesNew).toBe(unique);
  await repo.close();
  must(await restic(['-r', repoDir, 'check', '--read-data']), 'restic check --read-data');
  const target = path.join(work, 'restored');
  must(await restic(['-r', repoDir, 'restore', 'latest', '--target', target]), 'restic restore');
  for (let i = 0; i < 60; i += 7) {
    expect(fs.readFileSync(path.join(target, 'data', `large-${i}`)).equals(large)).toBe(true);
    expect(fs.readFileSync(path.join(target, 'data', `small-${i}`)).equals(small)).toBe(true);
  }
});

it('the shared set claims an id once, keeps its ids when it grows, and says when it is too full', () => {
  const set = new BlobSet(1024);
  const ids = Array.from({ length: 700 }, (_, i) => crypto.createHash('sha256').update(`id ${i}`).digest());
  for (const id of ids) expect(set.claim(id)).toBe(true);
  for (const id of ids) expect(set.claim(id)).toBe(false);
  // 3/4 full: a new id is not claimed (undefined), a known one is still known.
  const more = Array.from({ length: 200 }, (_, i) => crypto.createHash('sha256').update(`more ${i}`).digest());
  const answers = more.map((id) => set.claim(id));
  expect(answers).toContain(undefined);
  expect(set.size).toBe(768);
  const grown = set.grown();
  expect(grown.capacity).toBe(2048);
  for (const id of ids) expect(grown.has(id)).toBe(true);
  expect(grown.has(crypto.createHash('sha256').update('never').digest())).toBe(false);
  // Another thread's view of the same memory sees the same claims.
  const view = new BlobSet(grown.buffer);
  expect(view.claim(ids[0]!)).toBe(false);
});
