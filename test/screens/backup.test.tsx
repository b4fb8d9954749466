import React from 'react';
import { describe, expect, it } from 'vitest';
import { App } from '../../src/screens/App.tsx';
import { makeTheme } from '../../src/components/theme.ts';
import { renderApp, runCommand } from '../helpers/render.tsx';
import { gate, labJobs, labServices } from './fixtures.ts';

// Backups driven by keys; the bars move on the events of real runJobs runs (fixtures.ts).

function open(jobs: Parameters<typeof labServices>[0] = {}, noColor = false) {
  const lab = labServices(jobs);
  const app = renderApp(<App services={lab.services} theme={makeTheme({ noColor })} />, { columns: 80, rows: 24 });
  return { app, ...lab };
}

async function startFull(app: ReturnType<typeof renderApp>) {
  await app.waitFor('inventory(all)[13]');
  app.press('b');
  await app.waitFor('Back up everything?');
  expect(app.text()).toContain('Everything: 8 items that need a backup');
  app.press('y');
}

describe('the backup screen', () => {
  it('shows one live bar per job, warnings as they come, then the summary; coverage goes 0% to 100%', async () => {
    const hold = gate();
    const { app, calls } = open({ jobs: () => labJobs({ hold: hold.promise }) });
    await startFull(app);
    await app.waitFor('backup(running)');
    await app.waitFor(/» +running +etcd +\[█+·+\] +50% 512K\/1\.0M +[\d.]+[BKMG]\/s +ETA \d+:\d\d/);
    // volumes has no total: an indeterminate bar and "?" rather than a guessed percentage
    await app.waitFor(/» +running +volumes +\[·*█+·*\] +\? [\d.]+K\/\? /);
    await app.waitFor(/✔ +ok +Kubernetes ob/);
    await app.waitFor('warning images: lab/old:0.1 exists only in the local engine');
    expect(app.text()).toMatch(/backup\(running\)\[4\/6 jobs done\]/);
    expect(calls).toEqual([{}]);
    const lines = app.text().split('\n');
    expect(lines.length).toBeLessThanOrEqual(23);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
    hold.open();
    await app.waitFor(/backup COMPLETE: snapshot c{7}1, 6 jobs ok/);
    expect(app.text()).toMatch(/✔ +ok +etcd +16 items +1\.0 MiB/);
    expect(app.text()).toMatch(/✔ +ok +images +8 items +512 KiB +1 warning/);
    await app.waitFor('coverage 100% (8/8)');
    expect(app.text()).toMatch(/newest backup c{7}1 \d+s ago/);
    await runCommand(app, 'backups');
    await app.waitFor('backups[1]');
    expect(app.text()).toMatch(/c{7}1 +✔ complete/);
    app.unmount();
  });

  it('cancels only after asking, and says the result is partial with nothing committed', async () => {
    const hold = gate();
    const { app } = open({ jobs: () => labJobs({ hold: hold.promise }) });
    await startFull(app);
    await app.waitFor(/» +running +etcd/);
    app.press('c');
    await app.waitFor('Cancel the running backup?');
    expect(app.text()).toContain('[y] cancel the backup    [n] keep it running');
    app.press('n');
    await app.waitFor(/» +running +etcd/);
    app.press('ctrlC');
    await app.waitFor('Cancel the running backup?');
    app.press('y');
    await app.waitFor('backup PARTIAL: 2 of 6 jobs not ok; no snapshot written');
    expect(app.text()).toMatch(/! +cancelled +etcd/);
    expect(app.text()).toMatch(/! +cancelled +volumes/);
    expect(app.text()).toMatch(/✔ +ok +Prometheus/);
    await app.waitFor('coverage 0% (0/8)');
    app.unmount();
  });

  it('reports a failed job with its error and a partial snapshot, without colour under NO_COLOR', async () => {
    const { app } = open({ jobs: () => labJobs({ failDatabases: true }) }, true);
    await startFull(app);
    await app.waitFor('backup PARTIAL: 1 of 6 jobs not ok; snapshot c');
    expect(app.text()).toMatch(/✖ +FAILED +databases +\d+ items? +[\d.]+ KiB\n +why: pg_dump: connection refused/);
    expect(app.raw()).not.toMatch(/\u001B\[(3\d|9\d)m/);
    app.unmount();
  });

  it('closes the quit question when the backup ends meanwhile, and stops offering c cancel', async () => {
    const hold = gate();
    const { app } = open({ jobs: () => labJobs({ hold: hold.promise }) });
    await startFull(app);
    await app.waitFor(/» +running +etcd/);
    expect(app.text()).toMatch(/^<c>cancel /m);
    app.press('q');
    await app.waitFor('A backup is running. Cancel it and quit?');
    hold.open();
    await app.waitFor('the backup ended before it was cancelled: there is nothing to cancel');
    expect(app.text()).not.toContain('Cancel it and quit?');
    expect(app.text()).toMatch(/backup COMPLETE: snapshot c{7}1/);
    expect(app.text()).not.toContain('<c>cancel');
    // A late "y" meant for the closed question does nothing.
    app.press('y');
    app.press('c');
    await app.waitFor('no backup is running');
    app.unmount();
  });

  it('takes keys typed ahead in one chunk: b and y start the backup, :quit and enter quit', async () => {
    const { app, calls } = open();
    await app.waitFor('inventory(all)[13]');
    app.press('by');
    await app.waitFor(/backup COMPLETE: snapshot c{7}1/);
    expect(calls).toEqual([{}]);
    app.press(':quit\r');
    await app.instance.waitUntilExit();
  });

  it('asks before quitting while a backup runs; :backup shows the idle screen before any backup', async () => {
    const hold = gate();
    const { app } = open({ jobs: () => labJobs({ hold: hold.promise }) });
    await app.waitFor('inventory(all)[13]');
    await runCommand(app, 'backup');
    await app.waitFor('No backup has run in this session.');
    app.press('b');
    await app.waitFor('Back up everything?');
    app.press('enter');
    await app.waitFor(/» +running +etcd/);
    app.press('q');
    await app.waitFor('A backup is running. Cancel it and quit?');
    app.press('esc');
    await app.waitFor(/» +running +etcd/);
    app.press('q');
    await app.waitFor('Cancel it and quit?');
    app.press('y');
    await app.instance.waitUntilExit();
  });
});
