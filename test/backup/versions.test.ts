// A kind served only in a version its group does not prefer (prometheus-operator's
// AlertmanagerConfig: monitoring.coreos.com prefers v1, AlertmanagerConfig is v1alpha1 only) is
// backed up at that version, said so in the manifest, counted by the inventory, and restored.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readManifest } from '../../src/engine/backup/manifest-read.ts';
import { openBackend } from '../../src/engine/repository/backend/location.ts';
import { findPath } from '../../src/engine/repository/reader.ts';
import { Repository } from '../../src/engine/repository/repository.ts';
import { lifeboat } from '../helpers/cli.ts';
import { restoreTestEnvironment } from '../restore/helpers.ts';

const env = restoreTestEnvironment(['kube-apiserver'], ['kubernetes']);
const cli = (args: string[]) => lifeboat(args, { env: { LIFEBOAT_CONFIG: env.lab.configFile } });

const crd = (kind: string, plural: string, versions: string[], storage: string) => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${plural}.monitoring.example.com` },
  spec: {
    group: 'monitoring.example.com',
    scope: 'Namespaced',
    names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
    versions: versions.map((name) => ({
      name,
      served: true,
      storage: name === storage,
      schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } },
    })),
  },
});

describe('a kind served only in a non-preferred version', () => {
  it('is backed up at the newest version that serves it, named in the manifest and the inventory, and restored', async () => {
    const apply = async (docs: unknown[]) => {
      const r = await env.kubectl(['apply', '-f', '-'], docs.map((d) => JSON.stringify(d)).join('\n'));
      expect(r.code, r.stderr).toBe(0);
    };
    await apply([crd('Receiver', 'receivers', ['v1', 'v1beta1'], 'v1'), crd('Route', 'routes', ['v1alpha1', 'v1alpha2'], 'v1alpha2')]);
    await env.until('both CRDs served', async () => (await env.kubectl(['get', 'routes.monitoring.example.com', '-A'])).code === 0 && (await env.kubectl(['get', 'receivers.monitoring.example.com', '-A'])).code === 0);
    const group = JSON.parse((await env.kubectl(['get', '--raw', '/apis/monitoring.example.com'])).stdout);
    expect(group.preferredVersion.version).toBe('v1');
    await apply([
      { apiVersion: 'monitoring.example.com/v1', kind: 'Receiver', metadata: { name: 'pager', namespace: 'shop' }, spec: { url: 'http://pager' } },
      { apiVersion: 'monitoring.example.com/v1alpha2', kind: 'Route', metadata: { name: 'to-pager', namespace: 'shop' }, spec: { receiver: 'pager' } },
    ]);

    const backup = await cli(['backup', '--only', 'kubernetes', '--json']);
    expect(backup.code, backup.stderr).toBe(0);
    const summary = JSON.parse(backup.stdout.trim().split('\n').at(-1)!);
    // Opened afresh: the test's own handle loaded the index before this backup wrote to it.
    const repo = await Repository.open(openBackend(env.config.repository!.url!), fs.readFileSync(env.config.repository!.passwordFile!, 'utf8').trim());
    const snap = await repo.findSnapshot(summary.snapshot);
    await repo.loadIndex();
    // Each kind once: Receiver at the preferred v1, Route at v1alpha2 (the newest that serves it).
    await findPath(repo, snap, '/kubernetes/monitoring.example.com/v1/receivers/shop/pager.yaml');
    await findPath(repo, snap, '/kubernetes/monitoring.example.com/v1alpha2/routes/shop/to-pager.yaml');
    await expect(findPath(repo, snap, '/kubernetes/monitoring.example.com/v1beta1')).rejects.toThrow();
    await expect(findPath(repo, snap, '/kubernetes/monitoring.example.com/v1alpha1')).rejects.toThrow();
    // The manifest says which kinds were not at their group's preferred version, and why.
    const manifest = (await readManifest(repo, snap))!;
    const job = manifest.jobs.find((j) => j.kind === 'kubernetes')!;
    const notPreferred = (job.details as { notPreferredVersions: Record<string, string> }).notPreferredVersions;
    expect(notPreferred['routes.monitoring.example.com']).toBe('v1alpha2: the group prefers v1, which does not serve it');
    expect(Object.keys(notPreferred).filter((k) => k.endsWith('.monitoring.example.com'))).toEqual(['routes.monitoring.example.com']);
    expect(manifest.captured.map((c) => c.id)).toContain('kubernetes:monitoring.example.com/v1alpha2/routes/shop/to-pager');
    await repo.close();

    const inventory = JSON.parse((await cli(['inventory', '--json'])).stdout);
    const route = inventory.items.find((i: { kind: string; name: string }) => i.kind === 'Route' && i.name === 'to-pager');
    expect(route).toMatchObject({ verdict: 'needs-backup', namespace: 'shop' });
    expect(route.covered?.snapshot).toBe(summary.snapshot);

    // Deleted, and back from the snapshot at the same version.
    const del = await env.kubectl(['delete', 'routes.monitoring.example.com', 'to-pager', '-n', 'shop']);
    expect(del.code, del.stderr).toBe(0);
    const restore = await cli(['restore', summary.snapshot, '-n', 'shop', '--kind', 'routes.monitoring.example.com']);
    expect(restore.code, restore.stdout + restore.stderr).toBe(0);
    expect(restore.stdout).toMatch(/^CREATED +Route shop\/to-pager/m);
    const back = JSON.parse((await env.kubectl(['get', 'routes.v1alpha2.monitoring.example.com', 'to-pager', '-n', 'shop', '-o', 'json'])).stdout);
    expect(back.spec).toEqual({ receiver: 'pager' });
  });
});
