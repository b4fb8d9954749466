import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stopGroup } from '../../src/lab/process.ts';
import type { LabContext, ServiceState } from '../../src/lab/service.ts';
import { startEtcd } from '../../src/lab/services/etcd.ts';
import { kubeApiserverService, startKubeApiserver } from '../../src/lab/services/kube-apiserver.ts';

let dir: string;
let lab: LabContext;
let api: ServiceState;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-kube-service-'));
  lab = { dir, owner: process.pid, started: new Map(), kubeconfig: path.join(dir, 'kubeconfig') };
  lab.started.set('etcd', await startEtcd(lab));
  api = await startKubeApiserver(lab);
});
afterAll(async () => {
  if (api) await stopGroup(api.pid);
  const etcd = lab?.started.get('etcd');
  if (etcd) await stopGroup(etcd.pid);
  fs.rmSync(dir, { recursive: true, force: true });
});

it('runs as its own process, writes the lab kubeconfig and a read-only token, and answers kubectl', async () => {
  expect(await kubeApiserverService.health(api)).toBe(true);
  const config = yaml.load(fs.readFileSync(lab.kubeconfig, 'utf8')) as any;
  expect(config['current-context']).toBe('lab');
  expect(config.clusters[0].cluster.server).toBe(api.address);
  expect(Buffer.from(config.clusters[0].cluster['certificate-authority-data'], 'base64').toString()).toContain('BEGIN CERTIFICATE');
  const env = { ...process.env, HOME: dir, KUBECONFIG: lab.kubeconfig };
  expect(execFileSync('kubectl', ['get', 'namespaces', '-o', 'name'], { env, encoding: 'utf8' })).toContain('namespace/kube-system');
  const readonly = fs.readFileSync(api.extra!.readonlyTokenFile, 'utf8').trim();
  expect(readonly.length).toBeGreaterThan(20);
  let refused = '';
  try {
    execFileSync('kubectl', ['--token', readonly, 'apply', '-f', '-'], { env, input: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n', encoding: 'utf8', stdio: 'pipe' });
  } catch (e) {
    refused = String((e as { stderr?: string }).stderr);
  }
  expect(refused).toContain('Forbidden');
});
