import React from 'react';
import { describe, expect, it } from 'vitest';
import { App } from '../../src/screens/App.tsx';
import { makeTheme } from '../../src/components/theme.ts';
import { renderApp, runCommand } from '../helpers/render.tsx';
import { labServices, OLD_SNAPSHOTS } from './fixtures.ts';


describe('the backups screen', () => {
  it('lists snapshots newest first with status, size and sources; enter opens the manifest, which scrolls; esc goes back', async () => {
    const { services } = labServices({ snapshots: OLD_SNAPSHOTS });
    const app = renderApp(<App services={services} theme={makeTheme({ noColor: true })} />, { columns: 80, rows: 24 });
    await app.waitFor('inventory(all)');
    await runCommand(app, 'backups');
    await app.waitFor('backups[2]');
    const text = app.text();
    expect(text).toMatch(/TIME +AGE +ID +STATUS +SIZE +TAGS +SOURCES/);
    expect(text.indexOf('e5f6a7b8')).toBeLessThan(text.indexOf('a1b2c3d4'));
    expect(text).toMatch(/^> .*e5f6a7b8 +! PARTIAL +94 MiB +nightly +kubernetes,etcd,volumes/m);
    expect(text).toMatch(/a1b2c3d4 +✔ complete +12 MiB +kubernetes,etcd/);
    app.press('j');
    await app.waitFor(/^> .*a1b2c3d4/m);
    app.press('enter');
    await app.waitFor('backups > manifest(a1b2c3d4)');
    await app.waitFor('"snapshot": "a1b2c3d4');
    expect(app.text()).toMatch(/lines 1-\d+ of \d+ \(j\/k, ctrl-f\/ctrl-b\)/);
    app.press('ctrlF');
    await app.waitFor(/lines (1[0-9]|2[0-9])-\d+ of/);
    app.press('G');
    await app.waitFor(/lines \d+-(\d+) of \1 \(end\)/);
    app.press('esc');
    await app.waitFor('backups[2]');
    app.press('/');
    app.press('nightly');
    app.press('enter');
    await app.waitFor('backups[1] </nightly>');
    app.press('esc');
    await app.waitFor('backups[2]');
    app.unmount();
  });

  it('says so when there are no snapshots yet, or when the repository cannot be read', async () => {
    const { services } = labServices();
    const app = renderApp(<App services={{ ...services, listSnapshots: async () => { throw new Error('repository /lab/repo does not exist'); } }} theme={makeTheme({ noColor: true })} />);
    await app.waitFor('error: snapshots: repository /lab/repo does not exist');
    await runCommand(app, 'backups');
    await app.waitFor('could not list the snapshots: repository /lab/repo does not exist');
    app.unmount();
    const empty = renderApp(<App services={services} theme={makeTheme({ noColor: true })} />);
    await empty.waitFor('newest backup: none yet');
    await runCommand(empty, 'snap');
    await empty.waitFor('no snapshots yet: press b to back up');
    empty.unmount();
  });
});
