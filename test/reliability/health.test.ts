// Health that tells the truth: info checks the repository password (a wrong one is exit 1 and
// said); an unknown or huge config value is named, not echoed whole.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { lifeboat } from '../helpers/cli.ts';
import { tmpDir } from '../repository/helpers.ts';

let work: string;
beforeAll(async () => {
  work = tmpDir('health');
  const init = await lifeboat(['-r', path.join(work, 'repo'), 'repo', 'init'], { env: { LIFEBOAT_PASSWORD: 'right' } });
  if (init.code !== 0) throw new Error(init.stderr);
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

it('info with a wrong repository password says so and exits 1; with the right one it says it opens', async () => {
  const repo = path.join(work, 'repo');
  const wrong = await lifeboat(['-r', repo, 'info', '--json', '--timeout', '1'], { env: { LIFEBOAT_PASSWORD: 'wrong' }, cwd: work });
  expect(wrong.code).toBe(1);
  expect(JSON.parse(wrong.stdout).repositoryStatus).toEqual({ ok: false, detail: expect.stringMatching(/^wrong password for the repository at .*repo/) });
  const text = await lifeboat(['-r', repo, 'info', '--timeout', '1'], { env: { LIFEBOAT_PASSWORD: 'wrong' }, cwd: work });
  expect(text.code).toBe(1);
  expect(text.stdout).toMatch(/repository: .*repo  PROBLEM: wrong password/);
  const right = await lifeboat(['-r', repo, 'info', '--timeout', '1'], { env: { LIFEBOAT_PASSWORD: 'right' }, cwd: work });
  expect(right.code, right.stderr).toBe(0);
  expect(right.stdout).toMatch(/repository: .*repo  \(opens with the password given; 0 snapshots\)/);
  const none = await lifeboat(['-r', path.join(work, 'nothing-here'), 'info', '--timeout', '1'], { env: { LIFEBOAT_PASSWORD: 'right' }, cwd: work });
  expect(none.stdout).toMatch(/no repository there yet/);
});

it('a 50 MB config value is named with its length, not echoed whole', async () => {
  const dir = path.join(work, 'big');
  fs.mkdirSync(dir);
  const huge = 'x'.repeat(50 * 1024 * 1024);
  fs.writeFileSync(path.join(dir, 'lifeboat.yaml'), `databases:\n  - name: shop\n    database: shop\n    port: "${huge}"\n`);
  const r = await lifeboat(['info'], { cwd: dir });
  expect(r.code).toBe(2);
  expect(r.stderr.length).toBeLessThan(1000);
  expect(r.stderr).toContain(`"databases[0].port" must be a number, not string "${'x'.repeat(79)}`);
  expect(r.stderr).toContain(`(${huge.length + 2} characters)`);
});

it('a bad --request-timeout is a usage error naming the flag', async () => {
  const r = await lifeboat(['--request-timeout', 'abc', 'snapshots'], { cwd: work });
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("--request-timeout needs a number of seconds above 0, not 'abc'");
});
