// The README's quick start on a machine without kubectl (Debian has no package for it): `npm start`
// needs only what setup installs, the tests say where to get kubectl; and the lab says it needs root.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.ts';

const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-nokubectl-'));
afterAll(() => fs.rmSync(bin, { recursive: true, force: true }));

/** Runs setup.sh with a PATH holding everything it may call but kubectl. */
function setup(forWhat: 'start' | 'test') {
  for (const tool of ['id', 'dirname', 'bash', 'npm', 'node', 'sudo', 'apt-get', 'cat']) {
    const found = spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    if (found && !fs.existsSync(path.join(bin, tool))) fs.symlinkSync(found, path.join(bin, tool));
  }
  expect(fs.existsSync(path.join(bin, 'kubectl'))).toBe(false);
  return spawnSync('/bin/bash', [path.join(ROOT, 'scripts', 'setup.sh'), forWhat], { cwd: ROOT, env: { PATH: bin, HOME: os.tmpdir() }, encoding: 'utf8' });
}

describe('the quick start', () => {
  it('npm start goes on without kubectl and says where to get it; npm test stops and says the same', () => {
    const start = setup('start');
    expect(start.status, start.stderr).toBe(0);
    expect(start.stderr).toMatch(/note: kubectl is not installed; lifeboat and the lab do not need it \(only the tests do\)\. Debian has no package for it: .*pkgs\.k8s\.io/);
    const test = setup('test');
    expect(test.status).toBe(1);
    expect(test.stderr).toMatch(/kubectl is not installed: the tests check .* with the real kubectl \(v1\.32\)\. Debian has no package for it/);
  });

  it('lab up as another user than root says the lab needs root, exit 2, and starts nothing', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-notroot-'));
    fs.chmodSync(dir, 0o777);
    const r = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, path.join(ROOT, 'bin', 'lifeboat.js'), 'lab', 'up', '--dir', dir], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: dir } });
    expect(r.stderr).toMatch(/^lifeboat: the lab runs dockerd and PostgreSQL, which need root: run it as root/m);
    expect(r.status).toBe(2);
    expect(fs.readdirSync(dir)).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
