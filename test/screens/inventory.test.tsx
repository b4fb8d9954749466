import React from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from '../../src/screens/App.tsx';
import { makeTheme } from '../../src/components/theme.ts';
import { renderApp } from '../helpers/render.tsx';
import { labServices, OLD_SNAPSHOTS } from './fixtures.ts';

const COLOR = /\u001B\[(3\d|9\d)m/;

function open(opts: { noColor?: boolean; columns?: number; rows?: number } = {}) {
  const { services, calls } = labServices({ snapshots: OLD_SNAPSHOTS });
  const app = renderApp(<App services={services} theme={makeTheme({ noColor: opts.noColor ?? false })} />, { columns: opts.columns ?? 80, rows: opts.rows ?? 24 });
  return { app, calls };
}

afterEach(() => vi.unstubAllEnvs());

describe('the inventory screen', () => {
  it('says in the header that coverage is unknown for a source it could not see', async () => {
    const { services } = labServices({ snapshots: OLD_SNAPSHOTS });
    const load = services.loadInventory;
    services.loadInventory = async () => ({ ...(await load()), unobserved: [{ source: 'kubernetes', reason: 'the cluster did not answer' }] });
    const app = renderApp(<App services={services} theme={makeTheme({ noColor: true })} />, { columns: 100, rows: 24 });
    await app.waitFor('coverage 0% (0/8); unknown for kubernetes');
    app.unmount();
  });

  it('opens on the inventory at 80x24: header, title, verdicts in words and glyphs, details pane', async () => {
    const { app } = open();
    await app.waitFor('inventory(all)[13]');
    const text = app.text();
    expect(text).toContain('context lab  repo /lab/repo');
    expect(text).toMatch(/newest backup e5f6a7b8 \d+[smhd] ago \(partial\)/);
    expect(text).toContain('coverage 0% (0/8)');
    expect(text).toMatch(/! needs backup +cluster +CustomResou… +widgets\.example\.com/);
    expect(text).toMatch(/✖ at risk +default +Pod +bare-pod +no controller/);
    expect(text).toMatch(/○ skippable +shop +Pod +api-7d9f-x2x8p +owned by Repli/);
    expect(text).toContain('NOT covered by any backup');
    // Grouped: cluster-scoped first, namespaces, then docker, etcd, registries, databases, prometheus.
    const order = ['cluster ', 'default ', 'shop ', 'docker ', 'etcd ', 'registries ', 'databases '].map((g) => text.indexOf(` ${g}`));
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // The cursor row: marker and inverse; the details pane explains it.
    expect(text).toMatch(/^> *! needs backup +cluster/m);
    expect(app.raw()).toContain('\u001B[7m');
    expect(text).toContain('! needs backup: CustomResourceDefinition widgets.example.com');
    expect(text).toContain('why: custom resources need their definition');
    expect(text).toContain('<j/k>move');
    expect(text).toContain('<q>quit');
    const lines = text.split('\n');
    expect(lines.length).toBeLessThanOrEqual(23);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
    expect(app.raw()).toMatch(COLOR);
    app.unmount();
  });

  it('moves with j/k, G/g, and explains the row under the cursor', async () => {
    const { app } = open();
    await app.waitFor('inventory(all)[13]');
    app.press('j');
    await app.waitFor(/^> *○ skippable +default +Event +bare-pod\.1800/m);
    expect(app.text()).toContain('why: events are history, not state');
    expect(app.text()).toContain('not backed up on purpose');
    app.press('j');
    await app.waitFor(/^> *✖ at risk +default +Pod +bare-pod /m);
    expect(app.text()).toContain('at risk: Pod default/bare-pod');
    expect(app.text()).toContain('why: no controller: if it goes, nothing rebuilds it');
    app.press('G');
    await app.waitFor(/^> *! needs backup +prometheus/m);
    app.press('g');
    await app.waitFor(/^> *! needs backup +cluster/m);
    app.press('down');
    await app.waitFor(/^> *○ skippable +default/m);
    app.press('up');
    await app.waitFor(/^> *! needs backup +cluster/m);
    app.unmount();
  });

  it('filters with / (enter applies, esc clears) and hides skippable rows with s', async () => {
    const { app } = open();
    await app.waitFor('inventory(all)[13]');
    app.press('/');
    await app.waitFor('type to filter');
    app.press('at risk');
    await app.waitFor('/at risk');
    app.press('enter');
    await app.waitFor('inventory(all)[2] </at risk>');
    expect(app.text()).toContain('bare-pod');
    expect(app.text()).toContain('notes');
    expect(app.text()).not.toContain('widgets.example.com');
    app.press('esc');
    await app.waitFor('inventory(all)[13]');
    app.press('s');
    await app.waitFor('inventory(no skippable)[10]');
    expect(app.text()).not.toContain('skippable  ');
    expect(app.text()).not.toContain('api-7d9f-x2x8p');
    app.press('s');
    await app.waitFor('inventory(all)[13]');
    app.unmount();
  });

  it('marks rows with space and backs up only the marked items after asking', async () => {
    const { app, calls } = open();
    await app.waitFor('inventory(all)[13]');
    app.press('space');
    await app.waitFor('1 marked');
    app.press('space');
    await app.waitFor('2 marked');
    expect(app.text()).toMatch(/^ ● ! needs backup .*widgets\.example\.com/m);
    expect(app.text()).toMatch(/^ ● ○ skippable .*bare-pod\.1800/m);
    app.press('b');
    await app.waitFor('Back up the 2 marked items?');
    expect(app.text()).toContain('CustomResourceDefinition widgets.example.com');
    expect(app.text()).toContain('[y] start the backup');
    app.press('n');
    await app.waitFor('inventory(all)[13] 2 marked');
    expect(calls).toHaveLength(0);
    app.press('b');
    await app.waitFor('Back up the 2 marked items?');
    app.press('y');
    await app.waitFor('backup COMPLETE');
    expect(calls).toEqual([{ items: ['cluster/CustomResourceDefinition/widgets.example.com', 'default/Event/bare-pod.1800'] }]);
    app.unmount();
  });

  it('keeps its meaning with NO_COLOR: no colour codes, glyphs and words, cursor by inverse and >', async () => {
    vi.stubEnv('NO_COLOR', '1');
    const { app } = open({ noColor: true });
    await app.waitFor('inventory(all)[13]');
    expect(app.raw()).not.toMatch(COLOR);
    expect(app.raw()).toContain('\u001B[7m');
    expect(app.text()).toMatch(/✖ at risk +default +Pod +bare-pod/);
    expect(app.text()).toMatch(/^> /m);
    app.unmount();
  });
});
