// The repository in S3 (s3rver on loopback), through the CLI with restic's s3: syntax.
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import S3rver from 's3rver';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeTree, diffTrees, lifeboat, must, pseudoRandom, restic, tmpDir } from './helpers.ts';

let work: string;
let data: string;
let server: S3rver;
let url: string;
const creds = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };

beforeAll(async () => {
  work = tmpDir('s3');
  data = path.join(work, 'data');
  fs.mkdirSync(path.join(data, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(data, 'big.bin'), pseudoRandom(20 * 1024 * 1024, 's3'));
  for (let i = 0; i < 200; i++) fs.writeFileSync(path.join(data, 'sub', `f${i}.yaml`), `kind: ConfigMap\nname: cm-${i}\n`.repeat(i + 1));
  fs.symlinkSync('sub/f1.yaml', path.join(data, 'link'));
  server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: path.join(work, 's3'), configureBuckets: [{ name: 'lifeboat', configs: [] }] });
  const addr = (await server.run()) as AddressInfo;
  url = `s3:http://127.0.0.1:${addr.port}/lifeboat/backups/prod`;
});

afterAll(async () => {
  await server.close();
  fs.rmSync(work, { recursive: true, force: true });
});

it('S3 (s3rver on loopback): init, backup-path, snapshots, restore, check --read-data', async () => {
  must(await lifeboat(['-r', url, 'repo', 'init'], creds), 'init');
  const out = JSON.parse(must(await lifeboat(['-r', url, '--json', 'repo', 'backup-path', data, '--tag', 's3'], creds), 'backup').stdout) as { snapshot: string };
  const list = JSON.parse(must(await lifeboat(['snapshots', '--json'], { ...creds, LIFEBOAT_REPOSITORY: url }), 'snapshots').stdout) as { id: string; tags: string[] }[];
  expect(list.map((s) => s.id)).toEqual([out.snapshot]);
  const target = path.join(work, 'restore');
  must(await lifeboat(['-r', url, 'repo', 'restore', out.snapshot.slice(0, 8), '--target', target], creds), 'restore');
  expect(diffTrees(describeTree(data), describeTree(path.join(target, data)))).toEqual([]);
  must(await lifeboat(['-r', url, 'repo', 'check', '--read-data'], creds), 'check');
  // The objects are in restic's layout under the prefix.
  const stored = new Set(fs.readdirSync(path.join(work, 's3', 'lifeboat', 'backups', 'prod')).map((n) => n.replace(/\._S3rver_.*$/, '')));
  expect([...stored].sort()).toEqual(expect.arrayContaining(['config', 'data', 'index', 'keys', 'snapshots']));
  // restic reads the same bucket.
  const r = await restic(['-r', url, 'snapshots', '--json'], creds);
  expect(r.code, r.stderr).toBe(0);
  expect((JSON.parse(r.stdout) as { id: string }[]).map((s) => s.id)).toEqual([out.snapshot]);
});

it('a missing repository and a wrong password are one clear line, exit 1', async () => {
  const missing = await lifeboat(['-r', url.replace('prod', 'nothing-here'), 'snapshots'], creds);
  expect(missing.code).toBe(1);
  expect(missing.stderr.trim()).toBe(`lifeboat: no repository at ${url.replace('prod', 'nothing-here')}: create one with 'lifeboat repo init'`);
  const wrong = await lifeboat(['-r', url, 'snapshots'], { ...creds, LIFEBOAT_PASSWORD: 'not the password' });
  expect(wrong.code).toBe(1);
  expect(wrong.stderr.trim().split('\n')).toHaveLength(1);
  expect(wrong.stderr).toMatch(/^lifeboat: wrong password for the repository at /);
  expect(wrong.stderr).not.toContain('not the password');
  const none = await lifeboat(['-r', url, 'snapshots'], { ...creds, LIFEBOAT_PASSWORD: '' });
  expect(none.code).toBe(2);
  expect(none.stderr.trim()).toBe('lifeboat: no repository password: give --password-file FILE or set LIFEBOAT_PASSWORD');
});
