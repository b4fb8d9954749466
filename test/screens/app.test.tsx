import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import React from 'react';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../src/screens/App.tsx';
import { makeTheme } from '../../src/components/theme.ts';
import type { TuiServices } from '../../src/screens/services.ts';
import { probeEndpoints } from '../../src/engine/environment/probe.ts';
import type { Endpoint } from '../../src/engine/environment/endpoints.ts';
import { startEtcd } from '../../src/lab/services/etcd.ts';
import { freePort, stopGroup } from '../../src/lab/process.ts';
import type { ServiceState } from '../../src/lab/service.ts';
import { renderApp, runCommand } from '../helpers/render.tsx';
import { labServices } from './fixtures.ts';

// The shell over real sources: a real etcd that answers and an address where nothing listens.
let etcd: ServiceState;
let labDir: string;
let services: TuiServices;
beforeAll(async () => {
  labDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-app-'));
  etcd = await startEtcd({ dir: labDir, owner: process.pid, started: new Map(), kubeconfig: path.join(labDir, 'kubeconfig') });
  const closed = await freePort();
  const endpoints: Endpoint[] = [
    { kind: 'etcd', name: 'etcd', address: etcd.address },
    { kind: 'prometheus', name: 'prometheus', address: `http://127.0.0.1:${closed}` },
  ];
  services = {
    ...labServices().services,
    context: 'lab',
    configFile: '/lab/lifeboat.yaml',
    probe: () => probeEndpoints(endpoints, undefined, 2000),
  };
});
afterAll(async () => {
  await stopGroup(etcd.pid);
  fs.rmSync(labDir, { recursive: true, force: true });
});

// `:sources` opens the screen; the helper types the command and waits for it.
async function openSources(app: ReturnType<typeof renderApp>) {
  await app.waitFor('inventory(all)');
  await runCommand(app, 'sources');
}

describe('the shell', () => {
  it('shows what it is connected to, which sources answer, in words as well as colour', async () => {
    const app = renderApp(<App services={services} theme={makeTheme({ noColor: false })} />);
    await openSources(app);
    await app.waitFor('1 of 2 sources do not answer');
    const text = app.text();
    expect(text).toContain('context lab');
    expect(text).toMatch(/✔ up +etcd +etcd +http:\/\/127\.0\.0\.1:\d+ +etcd 3\./);
    expect(text).toMatch(/✖ DOWN prometheus .* ECONNREFUSED/);
    expect(app.raw()).toMatch(/\u001B\[3\dm/); // coloured when colour is allowed
    app.unmount();
  });

  it('fits 80x24 with NO_COLOR: no colour codes, status still readable', async () => {
    const app = renderApp(<App services={services} theme={makeTheme({ noColor: true })} />, { columns: 80, rows: 24 });
    await openSources(app);
    await app.waitFor('sources do not answer');
    expect(app.raw()).not.toMatch(/\u001B\[3\dm/);
    const lines = app.text().split('\n');
    expect(lines.length).toBeLessThanOrEqual(23);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    expect(app.text()).toContain('DOWN prometheus');
    app.unmount();
  });

  it('opens the help from the key registry with ?, closes it with esc, quits with q', async () => {
    const app = renderApp(<App services={services} theme={makeTheme({ noColor: true })} />);
    await openSources(app);
    await app.waitFor('sources do not answer');
    app.press('?');
    await app.waitFor('help: keys and commands');
    await app.waitFor(/q +quit lifeboat/);
    app.press('esc');
    await app.waitFor('DOWN prometheus');
    app.press('q');
    await app.instance.waitUntilExit();
  });
});
