import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root } from '../../src/cli/main.ts';
import type { Command } from '../../src/cli/command.ts';
import { lifeboat, lifeboatProcess, ROOT } from '../helpers/cli.ts';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-cli-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function writeConfig(name: string, text: string): string {
  const folder = path.join(dir, name);
  fs.mkdirSync(folder, { recursive: true });
  fs.writeFileSync(path.join(folder, 'lifeboat.yaml'), text);
  return folder;
}

function oneLine(text: string): string {
  const lines = text.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe('the lifeboat command', () => {
  it('prints help with every command and exits 0', async () => {
    const r = lifeboatProcess(['--help']);
    expect(r.code).toBe(0);
    for (const c of root.subcommands!) expect(r.stdout).toContain(c.name);
    expect(r.stdout).toContain('--kubeconfig');
    expect(r.stdout).toContain('--password-file');
  });

  it('runs as `npx lifeboat` from the clone, with no build step', () => {
    const r = spawnSync('npx', ['--no-install', 'lifeboat', '--help'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^lifeboat: back up and restore a whole container environment/);
  });

  it('inventory with nothing configured says so instead of claiming full coverage', async () => {
    const r = await lifeboat(['inventory'], { cwd: dir, env: { HOME: dir, XDG_STATE_HOME: path.join(dir, 'no-state') } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^nothing to take stock of: no source is configured/);
    expect(r.stdout).not.toMatch(/coverage 100%/);
  });

  it('gives every command and subcommand a --help', async () => {
    const walk = async (cmd: Command, words: string[]): Promise<void> => {
      const r = await lifeboat([...words, '--help']);
      expect(r.code, words.join(' ')).toBe(0);
      expect(r.stdout).toContain(`lifeboat${words.length ? ' ' + words.join(' ') : ''}: ${cmd.summary}`);
      for (const sub of cmd.subcommands ?? []) await walk(sub, [...words, sub.name]);
    };
    await walk(root, []);
  });

  it('refuses an unknown flag with one line and exit code 2', async () => {
    const r = lifeboatProcess(['info', '--frobnicate']);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toBe("lifeboat: unknown flag '--frobnicate' for 'lifeboat info': see 'lifeboat info --help'");
  });

  it('refuses an unknown command with exit code 2', async () => {
    const r = await lifeboat(['frobnicate']);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toContain("unknown command 'frobnicate'");
  });

  it('says how to get a terminal when there is none, and exits 2', () => {
    const r = lifeboatProcess([], { env: { HOME: dir } });
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/ssh -t/);
  });

  it('names the file and key of an unknown config key, exit 2', async () => {
    const cwd = writeConfig('unknown-key', 'etcd:\n  endpoint: [http://127.0.0.1:2379]\n');
    const r = await lifeboat(['info'], { cwd });
    expect(r.code).toBe(2);
    const line = oneLine(r.stderr);
    expect(line).toContain(path.join(cwd, 'lifeboat.yaml'));
    expect(line).toContain('"etcd.endpoint" is not a known key (did you mean "endpoints"?)');
  });

  it('names the key and the expected type of a wrong value, exit 2', async () => {
    const cwd = writeConfig('wrong-type', 'databases:\n  - name: shop\n    database: shop\n    port: "fivefour"\n');
    const r = await lifeboat(['info'], { cwd });
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toContain('"databases[0].port" must be a number, not string "fivefour"');
  });

  it('names the line of a YAML syntax error, exit 2', async () => {
    const cwd = writeConfig('bad-yaml', 'docker:\n  host: [unclosed\n');
    const r = await lifeboat(['info'], { cwd });
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/lifeboat\.yaml: not valid YAML at line \d+/);
  });

  it('says a missing kubeconfig is missing and how to fix it: a configuration error, exit 2', async () => {
    for (const args of [['--kubeconfig', path.join(dir, 'nope')], []]) {
      const env = args.length ? {} : { KUBECONFIG: path.join(dir, 'also-nope') };
      const r = await lifeboat(['info', ...args], { env, cwd: dir });
      expect(r.code).toBe(2);
      expect(oneLine(r.stderr)).toMatch(/kubeconfig .*nope .*does not exist: pass --kubeconfig PATH, set KUBECONFIG/);
    }
  });

  it('names the contexts there are when --context names none of them, exit 2', async () => {
    const kubeconfig = path.join(dir, 'kubeconfig');
    fs.writeFileSync(
      kubeconfig,
      `apiVersion: v1
kind: Config
clusters: [{name: c1, cluster: {server: 'https://127.0.0.1:1'}}]
users: [{name: u1, user: {token: secret-token-value}}]
contexts: [{name: prod, context: {cluster: c1, user: u1}}]
current-context: prod
`,
    );
    const r = await lifeboat(['info', '--kubeconfig', kubeconfig, '--context', 'staging'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toContain("context 'staging' is not in");
    expect(r.stderr).toContain('prod');
    // A reachable-or-not cluster never makes lifeboat print its credentials.
    const ok = await lifeboat(['info', '--kubeconfig', kubeconfig, '--json', '--timeout', '1'], { cwd: dir });
    expect(ok.stdout + ok.stderr).not.toContain('secret-token-value');
    expect(JSON.parse(ok.stdout).kubeconfig.context).toBe('prod');
  });

  it('finds lifeboat.yaml in the working folder before the XDG config folder', async () => {
    const xdg = path.join(dir, 'xdg');
    fs.mkdirSync(path.join(xdg, 'lifeboat'), { recursive: true });
    fs.writeFileSync(path.join(xdg, 'lifeboat', 'lifeboat.yaml'), 'prometheus:\n  - url: http://127.0.0.1:1\n');
    const fromXdg = await lifeboat(['info', '--json', '--timeout', '1'], { cwd: dir, env: { XDG_CONFIG_HOME: xdg } });
    expect(JSON.parse(fromXdg.stdout).config).toBe(path.join(xdg, 'lifeboat', 'lifeboat.yaml'));
    const cwd = writeConfig('local', 'docker:\n  host: unix:///nonexistent.sock\n');
    const local = await lifeboat(['info', '--json', '--timeout', '1'], { cwd, env: { XDG_CONFIG_HOME: xdg } });
    const parsed = JSON.parse(local.stdout);
    expect(parsed.config).toBe(path.join(cwd, 'lifeboat.yaml'));
    expect(parsed.sources).toEqual([expect.objectContaining({ kind: 'docker', ok: false })]);
    expect(local.code).toBe(1);
  });
});
