import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/render.tsx';
import { LIFEBOAT, lifeboat, ROOT } from '../lab/helpers.ts';

// The real `lifeboat` in tmux (80x24) against a real lab: open it, filter the inventory, back
// up, see the bars and the summary, quit; then walk the restore wizard to its report and see a
// deleted ConfigMap come back. Asserts on `tmux capture-pane` text (and kubectl) only.

const SOCKET = `lifeboat-e2e-${process.pid}`;
let state: string;
let env: NodeJS.ProcessEnv;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
let session = 'tui';
const screen = () => tmux('capture-pane', '-p', '-t', session);
const keys = (...k: string[]) => tmux('send-keys', '-t', session, ...k);
const kubectl = (...args: string[]) => execFileSync('kubectl', args, { encoding: 'utf8', env });
/** Starts the real lifeboat in a new 80x24 tmux session. */
function start(name: string) {
  session = name;
  const vars = ['XDG_STATE_HOME', 'KUBECONFIG', 'DOCKER_HOST', 'LIFEBOAT_CONFIG'].map((k) => `${k}='${env[k]}'`).join(' ');
  tmux('new-session', '-d', '-s', name, '-x', '80', '-y', '24', `cd '${ROOT}' && env -u CI NO_COLOR=1 ${vars} '${process.execPath}' '${LIFEBOAT}'; echo "exited $?"; sleep 60`);
  // tmux holds a lone ESC for 500 ms to see whether a sequence follows; a key sent within that
  // time turns it into Alt+key. A person types slower than the test does.
  tmux('set-option', '-g', 'escape-time', '0');
}
const seen = (what: string | RegExp, ms = 60_000) =>
  waitFor(() => (typeof what === 'string' ? screen().includes(what) : what.test(screen())), ms, () => `tmux never showed ${what}:\n${screen()}`);

beforeAll(async () => {
  state = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-e2e-'));
  env = { ...process.env, XDG_STATE_HOME: state };
  const up = await lifeboat(['lab', 'up'], env);
  expect(up.code, up.stderr).toBe(0);
  const lines = (await lifeboat(['lab', 'env'], env)).stdout.matchAll(/^export (\w+)='([^']*)'$/gm);
  for (const [, k, v] of lines) env[k!] = v;
  const seed = await lifeboat(['lab', 'seed'], env);
  expect(seed.code, seed.stderr).toBe(0);
});

afterAll(async () => {
  try {
    tmux('kill-server');
  } catch {
    /* already gone */
  }
  await lifeboat(['lab', 'down'], env);
  fs.rmSync(state, { recursive: true, force: true });
});

describe('lifeboat in tmux against the seeded lab', () => {
  it('filters the inventory, backs up with live bars and a summary, reaches 100% coverage, quits', async () => {
    start('tui');
    await seen(/inventory\(all\)\[[1-9]/);
    expect(screen()).toMatch(/coverage 0% \(0\/\d+\)/);
    // What the seeded lab puts at risk, and what it may skip, each said in words.
    const filter = async (text: string, row: RegExp) => {
      keys('/');
      await seen('type to filter');
      keys('-l', text);
      keys('Enter');
      await seen(row);
      keys('Escape');
      await waitFor(() => /inventory\(all\)\[[1-9]\d*\] ─/.test(screen()) && !screen().includes('type to filter'), 60_000, () => `filter not cleared:\n${screen()}`);
    };
    await filter('debug-shell', /✖ at risk +shop +Pod +debug-shell/);
    await filter('legacy-cache', /✖ at risk +docker +Container +legacy-cache/);
    await filter('frontend-', /○ skippable +shop +Pod +frontend-/);
    keys('/');
    await seen('type to filter');
    keys('-l', 'etcd');
    await seen(/^\/etcd /m);
    keys('Enter');
    await seen(/inventory\(all\)\[1\] <\/etcd>/);
    expect(screen()).toMatch(/! needs backup +etcd +etcd/);
    keys('Escape');
    await seen(/inventory\(all\)\[[1-9]\d*\] ─/);
    keys('b');
    await seen('Back up everything?');
    keys('y');
    let running = false;
    await waitFor(() => {
      const s = screen();
      running ||= /backup\(running\)/.test(s) && /\[[█·]+\]/.test(s);
      return s.includes('backup COMPLETE');
    }, 120_000, () => `no summary:\n${screen()}`);
    expect(running, 'saw a frame with the bars while the backup ran').toBe(true);
    expect(screen()).toMatch(/✔ ok +etcd snapshot/);
    await seen(/coverage 100% \(\d+\/\d+\)/);
    keys('q');
    await seen('exited 0');
  });

  it('walks the restore wizard to its report: a ConfigMap deleted after the backup comes back', async () => {
    kubectl('delete', 'configmap', 'api-config', '-n', 'shop');
    const context = kubectl('config', 'current-context').trim();
    start('restore');
    await seen(/inventory\(all\)\[[1-9]/);
    keys(':');
    keys('-l', 'restore');
    keys('Enter');
    await seen('restore(1/7 choose a snapshot)');
    await seen(/^> .* ✔ complete /m);
    keys('Enter');
    await seen(/\[x\] ▾ Kubernetes objects/);
    const cursor = () => screen().split('\n').find((l) => l.startsWith('> ')) ?? '';
    for (let i = 0; i < 20 && !/^> \[ \] +shop /m.test(screen()); i++) {
      const before = cursor();
      keys('j');
      await waitFor(() => cursor() !== before, 10_000, () => `the cursor did not move:\n${screen()}`);
    }
    keys('Space');
    await seen(/^> \[x\] +shop /m);
    keys('n');
    await seen('restore(3/7 target and mappings)');
    keys('n');
    await seen('restore(4/7 review the plan)');
    expect(screen()).toMatch(/ConfigMap: [^;]*create 1/);
    keys('n');
    await seen('restore(5/7 confirm)');
    keys('-l', 'wrong');
    keys('Enter');
    await seen(`'wrong' is not '${context}': nothing was restored`);
    keys('-l', context);
    keys('Enter');
    await seen('restore(7/7 report)', 120_000);
    await seen(/✔ restore DONE: 1 created, \d+ skipped, 0 failed/);
    expect(screen()).toMatch(/^CREATED +ConfigMap shop\/api-config/m);
    expect(kubectl('get', 'configmap', 'api-config', '-n', 'shop', '-o', 'jsonpath={.data.LOG_LEVEL}')).toBe('info');
    keys('q');
    await seen('exited 0');
  });
});
