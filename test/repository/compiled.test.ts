// What a user's install runs: bin/lifeboat.js on the compiled dist/, with no TypeScript sources
// beside it (a copy of bin/, dist/ and package.json, node_modules linked), so neither the command
// nor its worker threads can fall back on src/ through tsx. restic checks what it writes.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, ROOT, describeTree, diffTrees, makeDataset, must, restic, run, tmpDir } from './helpers.ts';

let work: string;
let install: string;

beforeAll(() => {
  work = tmpDir('compiled');
  install = path.join(work, 'install');
  fs.mkdirSync(install);
  fs.cpSync(path.join(ROOT, 'bin'), path.join(install, 'bin'), { recursive: true });
  fs.cpSync(path.join(ROOT, 'dist'), path.join(install, 'dist'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(install, 'package.json'));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(install, 'node_modules'));
});

afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

function installed(args: string[], dir = install) {
  return run(process.execPath, [path.join(dir, 'bin', 'lifeboat.js'), ...args], { LIFEBOAT_PASSWORD: PASSWORD }, { cwd: work });
}

describe('the compiled command', () => {
  it('answers --help without the TypeScript sources', async () => {
    expect(fs.existsSync(path.join(install, 'src'))).toBe(false);
    const help = must(await installed(['--help']), 'lifeboat --help');
    expect(help.stdout).toMatch(/Usage: lifeboat/);
  });

  it('backs up through its compiled worker threads; restic check --read-data passes and restic restores it', async () => {
    const data = path.join(work, 'data');
    makeDataset(data, { bigFile: 24 * 1024 * 1024, smallFiles: 300 });
    const repo = path.join(work, 'repo');
    must(await installed(['-r', repo, 'repo', 'init']), 'repo init');
    must(await installed(['-r', repo, 'repo', 'backup-path', data]), 'backup-path');
    must(await restic(['-r', repo, 'check', '--read-data']), 'restic check --read-data');
    const out = path.join(work, 'restored');
    must(await restic(['-r', repo, 'restore', 'latest', '--target', out]), 'restic restore');
    expect(diffTrees(describeTree(data), describeTree(path.join(out, data)))).toEqual([]);
  });

  it('without dist/ it refuses in one line that says how to build, exit 2', async () => {
    const bare = path.join(work, 'bare');
    fs.mkdirSync(bare);
    fs.cpSync(path.join(ROOT, 'bin'), path.join(bare, 'bin'), { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(bare, 'package.json'));
    const r = await installed(['--help'], bare);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/not built.*npm run build/);
  });
});
