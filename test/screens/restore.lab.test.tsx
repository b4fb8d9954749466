import fs from 'node:fs';
import React from 'react';
import { describe, expect, it } from 'vitest';
import { App } from '../../src/screens/App.tsx';
import { makeTheme } from '../../src/components/theme.ts';
import { resolveKubeTarget } from '../../src/engine/kube/kubeconfig.ts';
import { parseLocation } from '../../src/engine/repository/backend/location.ts';
import { EngineSession } from '../../src/engine/session.ts';
import { engineServices } from '../../src/cli/tui-services.ts';
import { renderApp, runCommand } from '../helpers/render.tsx';
import { restoreTestEnvironment } from '../restore/helpers.ts';

// The wizard driven by keys against a real seeded lab, through TuiServices over the engine (real
// planRestore and runRestore): a dry look at the plan and esc back out writes nothing; then a
// ConfigMap deleted after the backup comes back when namespace shop is restored through it.

const env = restoreTestEnvironment(['kube-apiserver'], ['kubernetes']);

async function services() {
  const { config, lab } = env;
  const password = fs.readFileSync(config.repository!.passwordFile!, 'utf8').trim();
  const session = new EngineSession({
    config,
    kube: resolveKubeTarget({ flag: lab.kubeconfig, env: {} }),
    env: {},
    repository: () => ({ location: parseLocation(config.repository!.url!), password }),
    kubeFor: async (context) => resolveKubeTarget({ flag: lab.kubeconfig, contextFlag: context, env: {} }),
  });
  return engineServices(session, { repository: config.repository!.url });
}

/** What namespace shop holds, with versions: any write changes it. */
async function shopState(): Promise<string[]> {
  const r = await env.kubectl(['get', 'configmaps,secrets,services,deployments,serviceaccounts', '-n', 'shop', '-o', 'jsonpath={range .items[*]}{.kind}/{.metadata.name}@{.metadata.resourceVersion}{"\\n"}{end}']);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim().split('\n').sort();
}

describe('the restore wizard against the lab', () => {
  it('looks at a plan and backs out writing nothing, then restores namespace shop and the deleted ConfigMap is back', async () => {
    const del = await env.kubectl(['delete', 'configmap', 'api-config', '-n', 'shop']);
    expect(del.code, del.stderr).toBe(0);
    const before = await shopState();
    const tui = await services();
    const contents = await tui.snapshotContents(env.snapshot.id);
    const namespaces = Object.keys(contents.namespaces).sort();
    expect(namespaces).toContain('shop');
    const context = env.target.kubeContext!;
    const app = renderApp(<App services={tui} theme={makeTheme({ noColor: true })} />, { columns: 80, rows: 24 });
    await runCommand(app, 'restore');
    await app.waitFor(new RegExp(`^> .*${env.snapshot.id.slice(0, 8)} +✔ complete`, 'm'), 30_000);
    app.press('enter');
    await app.waitFor(/> \[x\] ▾ Kubernetes objects +\d+/, 30_000);
    for (let i = 0; i < 2 + namespaces.indexOf('shop'); i++) app.press('j');
    await app.waitFor(/^> \[ \] +shop +\d+/m);
    app.press('space');
    await app.waitFor(/^> \[x\] +shop +\d+/m);
    app.press('n');
    await app.waitFor('restore(3/7 target and mappings)');
    expect(app.text()).toMatch(new RegExp(`target context +${context}`));
    app.press('n');
    await app.waitFor('restore(4/7 review the plan)', 60_000);
    await app.waitFor(new RegExp(`Into context ${context}: \\d+ actions`));
    expect(app.text()).toMatch(/ConfigMap: [^;]*create 1/);
    // The dry look: an action's diff, the confirmation with a wrong name, then esc all the way out.
    app.press('enter');
    await app.waitFor('restore(4/7 review: one action)');
    app.press('esc');
    app.press('n');
    await app.waitFor('restore(5/7 confirm)');
    app.press('nope\r');
    await app.waitFor(`'nope' is not '${context}': nothing was restored`);
    app.press('esc');
    await app.waitFor('restore(4/7 review the plan)');
    app.press('esc');
    await app.waitFor('restore(3/7');
    app.press('esc');
    await app.waitFor(/^> \[x\] +shop/m); // the mark and the cursor are kept
    expect(await shopState()).toEqual(before);
    // Now for real.
    app.press('n');
    await app.waitFor('restore(3/7');
    app.press('n');
    await app.waitFor('restore(4/7 review the plan)', 60_000);
    app.press('n');
    await app.waitFor('restore(5/7 confirm)');
    app.press(context);
    await app.waitFor(`> ${context}`);
    app.press('enter');
    await app.waitFor('restore(7/7 report)', 120_000);
    await app.waitFor(/✔ restore DONE: \d+ created.*0 failed/);
    expect(app.text()).toMatch(/^CREATED +ConfigMap shop\/api-config$/m);
    // The report is longer than the screen (the namespace's kube-root-ca.crt is a row too): the
    // workloads are at its end.
    app.press('G');
    await app.waitFor(`kubectl get all -A -l lifeboat.dev/restored-from=${env.snapshot.id.slice(0, 8)}`);
    expect(app.text()).toMatch(/^SKIPPED +Deployment shop\/api: exists and is the same/m);
    const cm = await env.get('configmaps', 'shop');
    const back = cm.find((c) => c.metadata.name === 'api-config');
    expect(back?.data).toEqual({ LOG_LEVEL: 'info', 'features.json': '{"checkout": true, "wishlist": false}\n' });
    expect(back?.metadata.labels?.['lifeboat.dev/restored-from']).toBe(env.snapshot.id.slice(0, 8));
    app.unmount();
  });
});
