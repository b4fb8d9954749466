import React, { useState } from 'react';
import { useInput } from 'ink';
import { describe, expect, it } from 'vitest';
import { App } from '../../src/screens/App.tsx';
import { Table, columnWidths, type Column } from '../../src/components/Table.tsx';
import { barText } from '../../src/components/ProgressBar.tsx';
import { makeTheme } from '../../src/components/theme.ts';
import { clampPosition, navigate } from '../../src/screens/state/listNav.ts';
import { renderApp, waitFor } from '../helpers/render.tsx';
import { labServices, manyItems } from '../screens/fixtures.ts';

const theme = makeTheme({ noColor: true });

describe('the windowed table', () => {
  it('renders only the visible rows of 20,000, and every move lands where it should', async () => {
    // How fast a key answers is the benchmark's business (bench/), not a test's: tests pass at any machine speed.
    const { services } = labServices({ items: manyItems(20_000) });
    const app = renderApp(<App services={services} theme={theme} />, { columns: 80, rows: 24 });
    await app.waitFor('inventory(all)[20,000]', 30_000);
    const rowLines = () => app.text().split('\n').filter((l) => /^[> ][ ●] .*ConfigMap +cm-\d+/.test(l));
    expect(rowLines()).toHaveLength(13);
    const cursorLine = () => app.text().split('\n').find((l) => l.startsWith('>'));
    for (let i = 0; i < 7; i++) {
      const before = cursorLine();
      app.press('j');
      await waitFor(() => cursorLine() !== before, 30_000);
    }
    expect(cursorLine()).toMatch(/ConfigMap/);
    expect(rowLines()).toHaveLength(13);
    app.press('G');
    await app.waitFor(/^> .*ns-96 +ConfigMap/m, 30_000);
    expect(rowLines()).toHaveLength(13);
    app.press('ctrlB');
    await app.waitFor(/^> .*ns-96/m, 30_000);
    app.press('ctrlU');
    app.press('ctrlD');
    app.press('g');
    await app.waitFor(/^> .*ns-00/m, 30_000);
    expect(rowLines()).toHaveLength(13);
    app.unmount();
  });

  it('measures columns once per data change and gives the flex column the rest', () => {
    let calls = 0;
    const cols: Column<string>[] = [
      { title: 'a', cell: (r) => (calls++, r) },
      { title: 'b', cell: () => 'x', flex: true },
    ];
    expect(columnWidths(['abc', 'abcdef'], cols, 40)).toEqual([6, 40 - 3 - 6 - 1]);
    const rows = ['one', 'two'];
    function Probe() {
      const [cursor, setCursor] = useState(0);
      useInput(() => setCursor((c) => c + 1));
      return <Table rows={rows} columns={cols} cursor={cursor} offset={0} height={2} width={30} theme={theme} rowKey={(r) => r} />;
    }
    const app = renderApp(<Probe />);
    const before = calls;
    app.press('j');
    return app.waitFor(/^> +two/m).then(() => {
      // Moving the cursor renders the two visible cells again, but does not measure the column again.
      expect(calls - before).toBe(2);
      app.unmount();
    });
  });

  it('keeps the cursor inside the list and the window', () => {
    expect(navigate({ cursor: 0, offset: 0 }, 'up', 100, 10)).toEqual({ cursor: 0, offset: 0 });
    expect(navigate({ cursor: 9, offset: 0 }, 'down', 100, 10)).toEqual({ cursor: 10, offset: 1 });
    expect(navigate({ cursor: 5, offset: 0 }, 'pageDown', 100, 10)).toEqual({ cursor: 15, offset: 10 });
    expect(navigate({ cursor: 5, offset: 0 }, 'halfDown', 100, 10)).toEqual({ cursor: 10, offset: 5 });
    expect(navigate({ cursor: 5, offset: 0 }, 'bottom', 100, 10)).toEqual({ cursor: 99, offset: 90 });
    expect(navigate({ cursor: 5, offset: 0 }, 'open', 100, 10)).toBeUndefined();
    expect(clampPosition({ cursor: 50, offset: 45 }, 20, 10)).toEqual({ cursor: 19, offset: 10 });
    expect(clampPosition({ cursor: 3, offset: 0 }, 0, 10)).toEqual({ cursor: 0, offset: 0 });
  });
});

describe('the progress bar text', () => {
  it('fills by the fraction, and walks a block along when the total is unknown', () => {
    expect(barText(0.5, 10, 0, theme)).toBe('█████·····');
    expect(barText(undefined, 10, 0, theme)).toBe('██········');
    expect(barText(undefined, 10, 3, theme)).toBe('···██·····');
    expect(barText(1, 4, 0, makeTheme({ noColor: true, ascii: true }))).toBe('####');
  });
});
