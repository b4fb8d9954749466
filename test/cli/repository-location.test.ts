// Repository locations are read once, as restic reads them: `local:PATH` is the folder PATH, an
// s3: URL is S3, and restic's other schemes or an unknown `word:` are one line and exit 2 (never
// a local folder named after the string).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifeboat } from '../helpers/cli.ts';
import { parseLocation } from '../../src/engine/repository/backend/location.ts';
import { RepositoryConfigError } from '../../src/engine/repository/errors.ts';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-location-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('parseLocation', () => {
  it('reads plain paths, local: paths and s3: URLs', () => {
    expect(parseLocation('/srv/repo', '/cwd')).toEqual({ scheme: 'local', path: '/srv/repo' });
    expect(parseLocation('repo', '/cwd')).toEqual({ scheme: 'local', path: '/cwd/repo' });
    expect(parseLocation('local:/srv/repo', '/cwd')).toEqual({ scheme: 'local', path: '/srv/repo' });
    expect(parseLocation('local:rel/repo', '/cwd')).toEqual({ scheme: 'local', path: '/cwd/rel/repo' });
    // A path that has a colon further on is still a path.
    expect(parseLocation('./a:b', '/cwd')).toEqual({ scheme: 'local', path: '/cwd/a:b' });
    expect(parseLocation('/x/sftp:y', '/cwd')).toEqual({ scheme: 'local', path: '/x/sftp:y' });
    expect(parseLocation('s3:http://127.0.0.1:9000/bucket/p', '/cwd')).toEqual({ scheme: 's3', url: 's3:http://127.0.0.1:9000/bucket/p' });
  });

  it("refuses restic's other backends and unknown schemes, naming the location and what is supported", () => {
    for (const loc of ['sftp:host:/x', 'rest:http://host:8000/', 'b2:bucket:path', 'azure:c:/', 'gs:b:/', 'swift:c:/p', 'rclone:r:p', 'ftp:host/x', 'local:']) {
      let error: unknown;
      try {
        parseLocation(loc, '/cwd');
      } catch (e) {
        error = e;
      }
      expect(error, loc).toBeInstanceOf(RepositoryConfigError);
      const message = (error as Error).message;
      expect(message, loc).toContain(loc);
      expect(message, loc).not.toContain('\n');
      if (loc !== 'local:') expect(message, loc).toMatch(/local folders .* and s3: URLs/);
    }
  });
});

describe('lifeboat -r', () => {
  const env = { LIFEBOAT_PASSWORD: 'location-test-password' };

  it('local:PATH makes the repository in PATH, not in a folder named local:', async () => {
    const target = path.join(dir, 'by-prefix');
    const r = await lifeboat(['-r', `local:${target}`, 'repo', 'init'], { cwd: dir, env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(fs.existsSync(path.join(target, 'config'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'local:'))).toBe(false);
    // The same repository opens by its plain path.
    const list = await lifeboat(['-r', target, 'snapshots', '--json'], { cwd: dir, env });
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([]);
  });

  it('sftp:, rest: and an unknown scheme are one line and exit 2, and create nothing', async () => {
    for (const loc of ['sftp:host:/x', 'rest:http://127.0.0.1:1/', 'nosuch:thing']) {
      const before = fs.readdirSync(dir).sort();
      for (const args of [['repo', 'init'], ['snapshots'], ['info', '--timeout', '0.1']]) {
        const r = await lifeboat(['-r', loc, ...args], { cwd: dir, env });
        expect(r.code, `${loc} ${args.join(' ')}`).toBe(2);
        expect(r.stderr.trim().split('\n'), `${loc} ${args.join(' ')}`).toHaveLength(1);
        expect(r.stderr).toContain(loc);
        expect(r.stderr).toMatch(/not supported|unknown scheme/);
      }
      expect(fs.readdirSync(dir).sort()).toEqual(before);
    }
  });

  it('a local: folder in the config is relative to the config file', async () => {
    const cfgDir = path.join(dir, 'cfg');
    fs.mkdirSync(cfgDir);
    fs.writeFileSync(path.join(cfgDir, 'lifeboat.yaml'), 'repository:\n  url: local:repo-here\n');
    const elsewhere = path.join(dir, 'elsewhere');
    fs.mkdirSync(elsewhere);
    const r = await lifeboat(['repo', 'init'], { cwd: elsewhere, env: { ...env, LIFEBOAT_CONFIG: path.join(cfgDir, 'lifeboat.yaml') } });
    expect(r.code).toBe(0);
    expect(fs.existsSync(path.join(cfgDir, 'repo-here', 'config'))).toBe(true);
    expect(fs.readdirSync(elsewhere)).toEqual([]);
  });
});
