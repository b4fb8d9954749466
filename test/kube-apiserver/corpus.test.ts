import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yaml from 'js-yaml';
import { corpusObjects, loadCorpus, parseCorpusFile, writeSetFiles, type CorpusObject, type CorpusSet } from '../corpus/corpus.ts';
import { startCluster, type Cluster } from './helpers.ts';

// The corpus of install manifests (test/corpus), applied to the lab the way each set's
// documentation says, judged by what kube-apiserver 1.32 does with it (corpus.json): every
// object accepted, except those a Fail webhook of an applied set guards while its server is
// down, the objects client-side apply cannot take, and files kubectl itself refuses.
// LIFEBOAT_CORPUS_ROOT: another corpus folder of the same layout (with the upstream sets of
// corpus.json's `upstream` list in place, before they come in through shared/).
const corpus = loadCorpus(process.env.LIFEBOAT_CORPUS_ROOT || undefined);
const ANNOTATION_LIMIT = `metadata.annotations: Too long: may not be more than ${corpus.annotationLimitBytes} bytes`;

interface Refusal {
  file: string;
  message: string;
}

/** kubectl's "Error from server (...): error when <verb> "<file>": <message>" lines. */
function refusals(stderr: string): Refusal[] {
  const out: Refusal[] = [];
  for (const line of stderr.split('\n')) {
    const m = /^Error from server(?: \([A-Za-z]+\))?: error when [a-z ]+"([^"]+)": (.*)$/.exec(line);
    if (m) out.push({ file: m[1], message: m[2] });
    else if (/^(error|Error)/.test(line)) out.push({ file: '', message: line });
  }
  return out;
}

/** Why a real 1.32 server (or kubectl) refuses this, if it is one of the refusals the corpus expects. */
function expectedReason(r: Refusal, failWebhooks: Set<string>, serverSide: boolean, set: CorpusSet): string | undefined {
  const webhook = /failed calling webhook "([^"]+)"/.exec(r.message)?.[1];
  if (webhook && failWebhooks.has(webhook)) return `webhook ${webhook} is down`;
  if (!serverSide && r.message.includes(ANNOTATION_LIMIT) && (set.clientSideApplyRefused ?? []).some((o) => r.message.includes(`"${o.name}"`))) return 'too big for client-side apply';
  if (/no matches for kind "Kustomization"/.test(r.message)) return 'not an API object';
  return undefined;
}

describe('the corpus applies to the lab as to kube-apiserver 1.32', () => {
  let c: Cluster;
  let work: string;
  let values: Record<string, string>;
  const applied: CorpusObject[] = [];
  const refused = new Map<string, string>();
  const outputs = new Map<string, string>();
  const get = async (o: { apiVersion: string; kind: string; namespace?: string; name: string }) => {
    const info = c.server.api.registry.forObject(o.apiVersion, o.kind);
    if (!info) return undefined;
    const base = info.group ? `/apis/${info.groupVersion}` : `/api/${info.version}`;
    const r = await c.request('GET', `${base}${info.namespaced ? `/namespaces/${o.namespace}` : ''}/${info.resource}/${o.name}`);
    return r.status === 200 ? r.json : undefined;
  };

  /** Whether a Fail webhook now configured (its server down: none runs in the lab) guards an object's kind. */
  const failWebhookGuards = async () => {
    const configs = [
      ...(await c.request('GET', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations')).json.items,
      ...(await c.request('GET', '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations')).json.items,
    ];
    const rules = configs.flatMap((cfg: any) => cfg.webhooks.filter((w: any) => w.failurePolicy === 'Fail').flatMap((w: any) => w.rules ?? []));
    return (o: CorpusObject) => {
      const info = c.server.api.registry.forObject(o.apiVersion, o.kind);
      return rules.some((r: any) => (r.apiGroups.includes('*') || r.apiGroups.includes(info?.group)) && (r.resources.some((x: string) => x === '*' || x === '*/*') || r.resources.includes(info?.resource)) && (r.operations.includes('*') || r.operations.includes('CREATE')));
    };
  };

  beforeAll(async () => {
    c = await startCluster('corpus');
    work = path.join(c.dir, 'corpus');
    values = { __LIFEBOAT_HOSTPATH__: path.join(c.dir, 'node-disk'), __LIFEBOAT_NODE_NAME__: 'lab-node-1' };
  });
  afterAll(async () => c?.stop());

  it('applies every set the documented way: accepted where 1.32 accepts, refused with its reason where it refuses', async () => {
    const failWebhooks = new Set<string>();
    for (const set of corpus.sets) {
      for (const w of set.webhooks ?? []) if (w.failurePolicy === 'Fail') failWebhooks.add(w.webhook);
      if (set.createNamespace && !set.steps.some((st) => st.kubectl[0] === 'create' && st.kubectl[1] === 'namespace')) {
        const ns = await c.kubectl(['create', 'namespace', set.createNamespace]);
        expect(ns.code, ns.stderr).toBe(0);
      }
      const { commands } = writeSetFiles(corpus, set.id, path.join(work, set.id), values);
      let output = '';
      const unexpected: string[] = [];
      for (const command of commands) {
        const serverSide = command.includes('--server-side');
        const r = await c.kubectl(command);
        output += r.stdout + r.stderr;
        const found = refusals(r.stderr);
        for (const f of found) {
          const reason = expectedReason(f, failWebhooks, serverSide, set);
          if (!reason) unexpected.push(f.message);
          const name = /"([^"]+)" is (?:invalid|forbidden)|^.*? "?([a-z0-9.-]+)"?: /.exec(f.message);
          if (name) refused.set(`${set.id}:${name[1] ?? name[2]}`, reason ?? f.message);
        }
        expect(unexpected, `kubectl ${command.join(' ')}`).toEqual([]);
        expect(r.code === 0, `kubectl ${command.join(' ')} exits 0 exactly when nothing is refused:\n${r.stderr}`).toBe(found.length === 0);
      }
      outputs.set(set.id, output);
      for (const o of corpusObjects(corpus, { sets: [set.id], values })) applied.push(o);
      if (set.files.some((f) => parseCorpusFile(corpus, set, f, values).some((d) => d.kind === 'CustomResourceDefinition'))) {
        const wait = await c.kubectl(['wait', '--for', 'condition=Established', '--all', 'CustomResourceDefinition', '--timeout=60s']);
        expect(wait.code, wait.stderr).toBe(0);
      }
    }
    // Every object is there as last applied (a later set's version of the same object wins),
    // except those a Fail webhook guards (refused above, with its reason).
    const guarded = await failWebhookGuards();
    const last = new Map(applied.map((o) => [`${o.apiVersion.split('/')[0]}/${o.kind}/${o.namespace ?? ''}/${o.name}`, o]));
    const missing: string[] = [];
    for (const o of last.values()) {
      const live = await get(o);
      const what = `${o.set}: ${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
      if (!live) {
        if (!guarded(o) && !refused.has(`${o.set}:${o.name}`)) missing.push(what);
        continue;
      }
      expect(live.metadata.labels ?? {}, what).toMatchObject((o.object.metadata as any)?.labels ?? {});
    }
    expect(missing).toEqual([]);
    expect(applied.length).toBe(corpus.sets.reduce((n, s) => n + s.objects, 0));
  });

  it('behaves after applying as a real cluster does: bindings, the token controller, the Ignore webhook, the deprecation warning', async () => {
    const pvc = async (name: string) => get({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: 'lifeboat-shop', name });
    for (const [claim, volume] of [['shop-orders', 'lifeboat-shop-orders'], ['shop-cache', 'lifeboat-shop-cache'], ['shop-uploads', 'lifeboat-shop-uploads']]) {
      const bound = await c.until(`${claim} bound`, async () => {
        const o = await pvc(claim);
        return o?.status?.phase === 'Bound' ? o : undefined;
      });
      expect(bound.spec.volumeName).toBe(volume);
    }
    // local-path is WaitForFirstConsumer and its provisioner is a Pod, which runs no process here.
    await c.server.settle();
    for (const claim of ['shop-reports', 'shop-legacy-exports']) expect((await pvc(claim)).status.phase).toBe('Pending');
    expect(outputs.get('lifeboat-extras')).toContain('Warning: metadata.annotations[volume.beta.kubernetes.io/storage-class]: deprecated since v1.8; use "storageClassName" attribute instead');
    const token = await c.until('token filled', async () => {
      const s = await get({ apiVersion: 'v1', kind: 'Secret', namespace: 'lifeboat-shop', name: 'shop-ci-deployer-token' });
      return s?.data?.token ? s : undefined;
    });
    expect(Object.keys(token.data).sort()).toEqual(expect.arrayContaining(['ca.crt', 'namespace', 'token']));
    // The Ignore webhook is called for the shop's Deployments and its failure ignored.
    const deployments = applied.filter((o) => o.set === 'lifeboat-extras' && o.kind === 'Deployment');
    expect(deployments.length).toBeGreaterThan(0);
    const scaled = await c.kubectl(['-n', 'lifeboat-shop', 'scale', 'deployment', deployments[0].name, '--replicas=2']);
    expect(scaled.code, scaled.stderr).toBe(0);
    // Nothing was refused for a reason 1.32 does not have (checked per command above); what was
    // refused is what the down Fail webhooks guard.
    const guarded = await failWebhookGuards();
    for (const o of applied) if (!(await get(o))) expect(guarded(o), `${o.kind} ${o.name} is missing`).toBe(true);
  });

  it('a Fail webhook whose server is down (as ingress-nginx installs one) refuses the Ingress, with the reason 1.32 gives', async () => {
    const ingress = applied.find((o) => o.kind === 'Ingress');
    expect(ingress).toBeDefined();
    const webhook = {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: 'ingress-nginx-admission' },
      webhooks: [
        {
          name: 'validate.nginx.ingress.kubernetes.io',
          admissionReviewVersions: ['v1'],
          sideEffects: 'None',
          failurePolicy: 'Fail',
          matchPolicy: 'Equivalent',
          rules: [{ apiGroups: ['networking.k8s.io'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['ingresses'] }],
          clientConfig: { service: { namespace: 'ingress-nginx', name: 'ingress-nginx-controller-admission', path: '/networking/v1/ingresses' } },
        },
      ],
    };
    const installed = (await c.request('GET', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations')).json.items.some((w: any) =>
      w.webhooks.some((h: any) => h.name === 'validate.nginx.ingress.kubernetes.io'),
    );
    const setup = installed ? { code: 0, stderr: '' } : await c.kubectl(['apply', '-f', '-'], {
      input: [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ingress-nginx' } },
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ingress-nginx-controller-admission', namespace: 'ingress-nginx' }, spec: { selector: { 'app.kubernetes.io/component': 'controller' }, ports: [{ name: 'https-webhook', port: 443, targetPort: 'webhook' }] } },
        webhook,
      ].map((o) => yaml.dump(o)).join('---\n'),
    });
    expect(setup.code, setup.stderr).toBe(0);
    const svc = await get({ apiVersion: 'v1', kind: 'Service', namespace: 'ingress-nginx', name: 'ingress-nginx-controller-admission' });
    expect((await c.kubectl(['-n', ingress!.namespace!, 'delete', 'ingress', ingress!.name, '--ignore-not-found'])).code).toBe(0);
    const again = await c.kubectl(['apply', '-f', path.join(work, 'lifeboat-extras', ingress!.file)]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain(
      `Internal error occurred: failed calling webhook "validate.nginx.ingress.kubernetes.io": failed to call webhook: Post "https://ingress-nginx-controller-admission.ingress-nginx.svc:443/networking/v1/ingresses?timeout=10s": dial tcp ${svc.spec.clusterIP}:443: connect: connection refused`,
    );
    expect(await get(ingress!)).toBeUndefined();
    // Everything else in that file is unchanged, so only the Ingress is refused.
    expect(refusals(again.stderr)).toHaveLength(1);
  });

  it('kubectl apply --server-side takes CRDs too big for client-side apply, which 1.32 refuses with its reason', async () => {
    const sets = corpus.sets.filter((s) => s.files.some((f) => parseCorpusFile(corpus, s, f, values).some((d) => d.kind === 'CustomResourceDefinition')));
    const set = sets[0];
    expect(set).toBeDefined();
    const crds = set.files.flatMap((f) => parseCorpusFile(corpus, set, f, values)).filter((d) => d.kind === 'CustomResourceDefinition');
    // As generated CRDs are: the same CRD with its schema's descriptions written out, over 256 KiB.
    const big = structuredClone(crds[0]) as any;
    big.spec.versions[0].schema.openAPIV3Schema.description = 'A long generated description. '.repeat(12_000);
    const file = path.join(work, 'big-crd.yaml');
    fs.writeFileSync(file, yaml.dump(big));
    const refusedClientSide = await c.kubectl(['apply', '-f', file]);
    expect(refusedClientSide.stderr).toContain(`The CustomResourceDefinition "${big.metadata.name}" is invalid: ${ANNOTATION_LIMIT}`);
    const serverSide = await c.kubectl(['apply', '--server-side', '-f', file]);
    expect(serverSide.code, serverSide.stderr).toBe(0);
    expect(serverSide.stdout.trim()).toBe(`customresourcedefinition.apiextensions.k8s.io/${big.metadata.name} serverside-applied`);
    const live = await get({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: big.metadata.name });
    expect(live.spec.versions[0].schema.openAPIV3Schema.description).toBe(big.spec.versions[0].schema.openAPIV3Schema.description);
    // It was applied client-side before: its fields pass from kubectl-client-side-apply to kubectl
    // (kube-apiserver's upgrade from the last-applied annotation), without a conflict.
    const owners = live.metadata.managedFields.map((e: any) => `${e.manager}/${e.operation}`);
    expect(owners).toContain('kubectl/Apply');
    expect(JSON.stringify(live.metadata.managedFields.find((e: any) => e.manager === 'kubectl-client-side-apply')?.fieldsV1 ?? {})).not.toContain('openAPIV3Schema');
    // The corpus's own CRDs that client-side apply cannot take (their documentation says --server-side).
    for (const s of corpus.sets) {
      for (const o of s.clientSideApplyRefused ?? []) {
        const one = corpusObjects(corpus, { sets: [s.id], values }).find((x) => x.kind === o.kind && x.name === o.name)!;
        const single = path.join(work, `csa-${o.name}.yaml`);
        fs.writeFileSync(single, yaml.dump(one.object));
        const r = await c.kubectl(['apply', '-f', single]);
        expect(r.stderr).toContain(`The ${o.kind} "${o.name}" is invalid: ${ANNOTATION_LIMIT}`);
      }
    }
    for (const f of set.files.filter((f) => parseCorpusFile(corpus, set, f, values).some((d) => d.kind === 'CustomResourceDefinition'))) {
      const all = await c.kubectl(['apply', '--server-side', '-f', path.join(work, set.id, f.path)]);
      expect(all.code, all.stderr).toBe(0);
    }
    // Another manager's change still conflicts, and --force-conflicts takes it.
    expect((await c.kubectl(['label', 'crd', big.metadata.name, 'tier=x'])).code).toBe(0);
    const patched = await c.kubectl(['patch', 'crd', big.metadata.name, '--type=merge', '--field-manager=editor', '-p', JSON.stringify({ spec: { names: { shortNames: ['edited'] } } })]);
    expect(patched.code, patched.stderr).toBe(0);
    const conflict = await c.kubectl(['apply', '--server-side', '-f', file]);
    expect(conflict.stderr).toMatch(/Apply failed with 1 conflict: conflict with "editor" using apiextensions\.k8s\.io\/v1 at \S+: \.spec\.names\.shortNames/);
    expect((await c.kubectl(['apply', '--server-side', '--force-conflicts', '-f', file])).code).toBe(0);
  });
});
