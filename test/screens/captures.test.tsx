import fs from 'node:fs';
import path from 'node:path';
import React from 'react';
import { afterAll, describe, expect, it } from 'vitest';
import { App } from '../../src/screens/App.tsx';
import { makeTheme } from '../../src/components/theme.ts';
import { renderApp, runCommand } from '../helpers/render.tsx';
import { gate, labJobs, labServices, OLD_SNAPSHOTS, restoreFixtures } from './fixtures.ts';

// Text captures of every screen at 80x24 without colour, for the README. Each must fit 80x23
// (the root is rows - 1) and be the capture stored in test/screens/captures/ (a changed screen
// fails until LIFEBOAT_UPDATE_CAPTURES=1 writes it again, for review in the diff). With
// LIFEBOAT_CAPTURES=FILE they are written there too, as markdown.

const STORED = path.join(import.meta.dirname, 'captures');
const captures: [string, string][] = [];

/** What depends on this machine's speed: rates, ETAs and where an indeterminate bar's block is. */
export function steady(text: string): string {
  return text
    .split('\n')
    .map((l) => (/\/s\b/.test(l) ? l.replace(/\S+\/s +/g, '<rate> ').replace(/ETA \S+/, 'ETA <eta>') : l))
    .map((l) => (/\] +\? /.test(l) ? l.replace(/\[[█·]+\]/, '[<walking>]') : l))
    .join('\n');
}

function keep(name: string, app: ReturnType<typeof renderApp>) {
  const text = app.text().replace(/ +$/gm, '');
  const lines = text.split('\n');
  expect(lines.length, name).toBeLessThanOrEqual(23);
  for (const l of lines) expect(l.length, name).toBeLessThanOrEqual(80);
  captures.push([name, text]);
  const file = path.join(STORED, `${String(captures.length).padStart(2, '0')}-${name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase()}.txt`);
  if (process.env.LIFEBOAT_UPDATE_CAPTURES === '1') fs.writeFileSync(file, `${text}\n`);
  expect(fs.existsSync(file), `${name}: no stored capture ${path.basename(file)} (LIFEBOAT_UPDATE_CAPTURES=1 writes it)`).toBe(true);
  expect(steady(text), `${name}: differs from ${path.basename(file)}`).toBe(steady(fs.readFileSync(file, 'utf8').replace(/\n$/, '')));
}

describe('captures at 80x24', () => {
  it('renders each screen', async () => {
    const hold = gate();
    const { services } = labServices({ snapshots: OLD_SNAPSHOTS, jobs: () => labJobs({ hold: hold.promise }) });
    const app = renderApp(<App services={services} theme={makeTheme({ noColor: true })} />, { columns: 80, rows: 24 });
    await app.waitFor('inventory(all)[13]');
    app.press('j');
    app.press('j');
    await app.waitFor(/^> .*bare-pod /m);
    keep('inventory', app);
    app.press('/');
    app.press('need');
    await app.waitFor('/need');
    app.press('enter');
    await app.waitFor('</need>');
    app.press('space');
    await app.waitFor('1 marked');
    keep('inventory, filtered with /need, one row marked', app);
    app.press('esc');
    await app.waitFor('inventory(all)[13] 1 marked');
    expect(app.text()).toMatch(/^> +! needs backup shop +Deployment +api /m); // the cursor stayed on its item
    app.press('g');
    await app.waitFor(/^>● ! needs backup cluster/m);
    app.press('space');
    await app.waitFor('inventory(all)[13] ─');
    app.press('?');
    await app.waitFor(/j, down +move down/);
    keep('help (?)', app);
    app.press('esc');
    await app.waitFor('inventory(all)[13]');
    await runCommand(app, 'backup');
    await app.waitFor('No backup has run');
    app.press('b');
    await app.waitFor('Back up everything?');
    keep('backup confirmation (b)', app);
    app.press('y');
    await app.waitFor('warning images');
    await app.waitFor(/backup\(running\)\[4\/6/);
    keep('backup running', app);
    hold.open();
    await app.waitFor('backup COMPLETE');
    await app.waitFor('coverage 100%');
    keep('backup summary', app);
    await runCommand(app, 'backups');
    await app.waitFor('backups[3]');
    keep('backups', app);
    app.press('enter');
    await app.waitFor('"format": "lifeboat-manifest/1"');
    keep('manifest (enter on a snapshot)', app);
    app.resize(60, 15);
    await app.waitFor('Terminal too small');
    keep('too small (60x15)', app);
    app.unmount();
    expect(captures).toHaveLength(9);
  });

  it('renders each step of the restore wizard', async () => {
    const hold = gate();
    const { services } = labServices({ snapshots: OLD_SNAPSHOTS });
    restoreFixtures(services, { hold: hold.promise });
    const app = renderApp(<App services={services} theme={makeTheme({ noColor: true })} />, { columns: 80, rows: 24 });
    await app.waitFor('inventory(all)[13]');
    await runCommand(app, 'restore');
    await app.waitFor(/^> .*e5f6a7b8/m);
    keep('restore 1/7: choose a snapshot (:restore)', app);
    app.press('enter');
    await app.waitFor(/\[x\] ▾ Kubernetes objects/);
    app.press('j');
    app.press('j');
    app.press('j');
    app.press('space');
    await app.waitFor(/> \[x\] +shop/);
    keep('restore 2/7: what to restore (shop marked)', app);
    app.press('n');
    await app.waitFor('target and mappings');
    app.press('j');
    app.press('enter');
    app.press('shop=shop-staging');
    await app.waitFor('shop=shop-staging');
    keep('restore 3/7: target and mappings (typing the namespace map)', app);
    app.press('enter');
    app.press('n');
    await app.waitFor('Into context lab');
    keep('restore 4/7: review the plan', app);
    app.press('j');
    app.press('j');
    app.press('enter');
    await app.waitFor('review: one action');
    keep('restore 4/7: one action (enter on it)', app);
    app.press('esc');
    app.press('n');
    await app.waitFor('confirm)');
    app.press('prod\r');
    await app.waitFor("'prod' is not 'lab'");
    keep('restore 5/7: confirm (a wrong name was typed)', app);
    app.press('lab\r');
    await app.waitFor(/» +running +Volume data +\[/);
    keep('restore 6/7: restoring', app);
    hold.open();
    await app.waitFor('restore DONE');
    keep('restore 7/7: report', app);
    app.unmount();
    expect(captures).toHaveLength(17);
  });
});

afterAll(() => {
  const out = captures.map(([name, text]) => `### ${name}\n\n\`\`\`\n${text}\n\`\`\`\n`).join('\n');
  if (process.env.LIFEBOAT_CAPTURES) fs.writeFileSync(process.env.LIFEBOAT_CAPTURES, out);
});
