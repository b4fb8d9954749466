import React from 'react';
import { describe, expect, it } from 'vitest';
import { App } from '../../src/screens/App.tsx';
import { makeTheme } from '../../src/components/theme.ts';
import { renderApp, runCommand } from '../helpers/render.tsx';
import { gate, labServices, OLD_SNAPSHOTS, restoreFixtures } from './fixtures.ts';

// The wizard driven by keys over fixture services (plans from fakePlan, runs of real runJobs):
// every step at 80x24, back without losing choices, the typed confirmation, cancel, NO_COLOR.

function open(opts: Parameters<typeof restoreFixtures>[1] = {}, noColor = true, size = { columns: 80, rows: 24 }) {
  const lab = labServices({ snapshots: OLD_SNAPSHOTS });
  const fx = restoreFixtures(lab.services, opts);
  const app = renderApp(<App services={lab.services} theme={makeTheme({ noColor })} />, size);
  return { app, ...fx };
}

function fits(app: ReturnType<typeof renderApp>) {
  const lines = app.text().split('\n');
  expect(lines.length).toBeLessThanOrEqual(23);
  for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(80);
}

describe('the restore wizard (fixtures)', () => {
  it('walks every step at 80x24 without colour; esc keeps the choices; a wrong name restores nothing', async () => {
    const { app, plans, runs } = open();
    await app.waitFor('inventory(all)[13]');
    await runCommand(app, 'restore');
    await app.waitFor('restore(1/7 choose a snapshot)');
    await app.waitFor(/^> .*e5f6a7b8 +! PARTIAL +94 MiB +kubernetes,etcd,volumes/m);
    fits(app);
    app.press('enter');
    await app.waitFor('restore(2/7 what to restore)[e5f6a7b8]');
    await app.waitFor(/> \[x\] ▾ Kubernetes objects +42/);
    expect(app.text()).toMatch(/\[ \] +shop +30/);
    expect(app.text()).toMatch(/\[ \] +etcd \(into a new data dir\) +1/);
    fits(app);
    app.press('j');
    app.press('j');
    app.press('j');
    await app.waitFor(/> \[ \] +shop +30/);
    app.press('space');
    await app.waitFor(/> \[x\] +shop +30/);
    app.press('n');
    await app.waitFor('restore(3/7 target and mappings)');
    app.press('j');
    app.press('enter');
    await app.waitFor('enter keeps, esc drops the edit');
    app.press('shop=shop-staging');
    app.press('enter');
    await app.waitFor(/namespace map +shop=shop-staging/);
    // esc back to the tree and forward again: the marks and the mapping are still there.
    app.press('esc');
    await app.waitFor('restore(2/7 what to restore)');
    expect(app.text()).toMatch(/\[x\] +shop +30/);
    app.press('n');
    await app.waitFor(/namespace map +shop=shop-staging/);
    fits(app);
    app.press('n');
    await app.waitFor('restore(4/7 review the plan)');
    await app.waitFor('Into context lab: 5 actions');
    expect(plans).toHaveLength(1);
    expect(plans[0]).toMatchObject({ scope: { sources: ['objects', 'volumes'], namespaces: ['shop'] }, options: { namespaceMap: { shop: 'shop-staging' }, existingPolicy: 'skip' } });
    expect(app.text()).toMatch(/ConfigMap: create 1;/);
    expect(app.text()).toContain('! Deployment shop/api uses image lab/api:1');
    fits(app);
    app.press('j');
    app.press('enter');
    await app.waitFor('restore(4/7 review: one action)');
    await app.waitFor('create ConfigMap shop-staging/app-config');
    expect(app.text()).toContain('~ label lifeboat.dev/restored-from=e5f6a7b8');
    app.press('esc');
    await app.waitFor('restore(4/7 review the plan)');
    app.press('n');
    await app.waitFor('restore(5/7 confirm)');
    await app.waitFor("Type the target context's name (lab) and press enter");
    app.press('prod');
    await app.waitFor('> prod');
    app.press('enter');
    await app.waitFor("'prod' is not 'lab': nothing was restored");
    expect(runs).toHaveLength(0);
    fits(app);
    app.press('lab');
    await app.waitFor('> lab');
    app.press('enter');
    await app.waitFor(/restore\(7\/7 report\)/);
    expect(runs).toHaveLength(1);
    await app.waitFor('✔ restore DONE: 2 created, 1 restored, 2 skipped, 0 failed');
    expect(app.text()).toContain('SKIPPED   Namespace shop-staging/shop-staging: exists (policy skip)');
    expect(app.text()).toContain('What next:');
    expect(app.raw()).not.toMatch(/\u001B\[(3\d|9\d)m/);
    fits(app);
    app.press('esc');
    await app.waitFor('inventory(all)[13]');
    // After a report, :restore starts afresh.
    await runCommand(app, 'restore');
    await app.waitFor('restore(1/7 choose a snapshot)');
    app.unmount();
  });

  it('opens on a snapshot from the backups screen with r; during the run esc and c ask to cancel; a failure shows its reason', async () => {
    const hold = gate();
    const { app, runs } = open({ hold: hold.promise, failSecret: true }, false);
    await app.waitFor('inventory(all)[13]');
    await runCommand(app, 'backups');
    await app.waitFor('backups[2]');
    app.press('j');
    await app.waitFor(/^> .*a1b2c3d4/m);
    app.press('r');
    await app.waitFor('backups > restore(2/7 what to restore)[a1b2c3d4]');
    app.press('n');
    await app.waitFor('restore(3/7');
    app.press('j');
    app.press('j');
    app.press('j');
    app.press('j');
    app.press('enter');
    await app.waitFor(/existing objects +update/);
    app.press('n');
    await app.waitFor('Into context lab');
    fits(app); // with colour too
    expect(app.raw()).toMatch(/\u001B\[(3\d|9\d)m/);
    app.press('n');
    await app.waitFor('restore(5/7 confirm)');
    app.press('lab\r');
    await app.waitFor(/» +running +Kubernetes ob/);
    expect(runs[0]!.request.options.existingPolicy).toBe('update');
    app.press('esc');
    await app.waitFor('Cancel the running restore?');
    app.press('n');
    await app.waitFor(/» +running +Volume data/);
    app.press('c');
    await app.waitFor('Cancel the running restore?');
    app.press('n');
    await app.waitFor(/» +running/);
    hold.open();
    await app.waitFor('restore FAILED');
    expect(app.text()).toMatch(/^FAILED +Secret shop\/db-password: secrets "db-password" is forbidden/m);
    expect(app.text()).toContain('fix what failed');
    app.unmount();
  });

  it('cancels a running restore after asking; the report says cancelled', async () => {
    const hold = gate();
    const { app } = open({ hold: hold.promise });
    await app.waitFor('inventory(all)[13]');
    await runCommand(app, 'restore');
    await app.waitFor('choose a snapshot)');
    app.press('enter');
    await app.waitFor(/\[x\] ▾ Kubernetes objects/);
    app.press('n');
    app.press('n');
    await app.waitFor('review the plan');
    app.press('n');
    await app.waitFor('restore(5/7 confirm)');
    app.press('lab');
    app.press('enter');
    await app.waitFor(/» +running/);
    app.press('q');
    await app.waitFor('A restore is running. Cancel it and quit?');
    app.press('n');
    app.press('ctrlC');
    await app.waitFor('Cancel the running restore?');
    app.press('y');
    await app.waitFor('restore CANCELLED');
    expect(app.text()).toContain('the restore was cancelled: what was written stays');
    app.unmount();
  });
});
