import React from 'react';
import { describe, expect, it } from 'vitest';
import { App } from '../../src/screens/App.tsx';
import { makeTheme } from '../../src/components/theme.ts';
import { renderApp, runCommand } from '../helpers/render.tsx';
import { labServices } from './fixtures.ts';

function open(size?: { columns: number; rows: number }) {
  return renderApp(<App services={labServices().services} theme={makeTheme({ noColor: true })} />, size);
}


describe('the shell', () => {
  it('opens the restore wizard with :restore, and names unknown commands', async () => {
    const app = open();
    await app.waitFor('inventory(all)');
    await runCommand(app, 'restore');
    await app.waitFor('inventory > restore(1/7 choose a snapshot)');
    app.press('esc');
    await app.waitFor('inventory(all)');
    await runCommand(app, 'frobnicate');
    await app.waitFor('error: unknown command :frobnicate');
    // Text and Enter in one chunk, as a fast typist or a paste over SSH sends them.
    app.press(':');
    await app.waitFor(/^:/m);
    app.press('backups\r');
    await app.waitFor('no snapshots yet');
    await app.waitFor('error: unknown command :frobnicate (? lists the commands)');
    app.unmount();
  });

  it('edits the prompt with backspace, leaves it with esc, and quits with :q', async () => {
    const app = open();
    await app.waitFor('inventory(all)');
    app.press(':');
    app.press('bax');
    await app.waitFor(':bax');
    app.press('backspace');
    await app.waitFor(/^:ba /m);
    app.press('esc');
    await app.waitFor('<space>mark');
    await runCommand(app, 'q');
    await app.instance.waitUntilExit();
  });

  it('shows the help from the registry: every scope, the : commands, and it scrolls', async () => {
    const app = open();
    await app.waitFor('inventory(all)');
    app.press('?');
    await app.waitFor('inventory > help: keys and commands');
    await app.waitFor(/j, down +move down/);
    expect(app.text()).toContain('Everywhere');
    app.press('G');
    await app.waitFor('the restore wizard: snapshot, what, where, plan, confirm');
    expect(app.text()).toMatch(/lines \d+-(\d+) of \1 \(end\)/);
    expect(app.text()).toMatch(/y, enter +yes, do it/);
    app.press('?');
    await app.waitFor('inventory(all)[13]');
    app.unmount();
  });

  it('below 80x20 says the current and the needed size, and comes back when resized', async () => {
    const app = open({ columns: 60, rows: 15 });
    await app.waitFor('Terminal too small');
    expect(app.text()).toContain('current: 60 wide x 15 high');
    expect(app.text()).toContain('needed:  80 wide x 20 high');
    app.resize(100, 30);
    await app.waitFor('inventory(all)[13]');
    app.resize(79, 30);
    await app.waitFor('current: 79 wide x 30 high');
    app.press('q');
    await app.instance.waitUntilExit();
  });

  it('fits a large terminal too: the table grows with it', async () => {
    const app = open({ columns: 160, rows: 50 });
    await app.waitFor('inventory(all)[13]');
    expect(app.text()).toContain('owned by ReplicaSet api-7d9f: rebuilt from the template');
    expect(app.text().split('\n').length).toBeLessThanOrEqual(49);
    app.unmount();
  });
});
