// One lab of three nodes for this file, each node with its kubelet running pods on the lab's
// dockerd; checked the way a user checks a cluster: kubectl, and Docker itself.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { spawn } from 'node:child_process';
import { PassThrough, Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from './helpers.ts';
import { importBusybox } from '../../src/lab/fixtures.ts';
import { labStatus, startLab, type Lab } from '../../src/lab/lab.ts';
import { processesNaming } from '../../src/lab/process.ts';

const run = promisify(execFile);
const IMAGE = 'lab/busybox:1';
let lab: Lab;
let docker: Docker;

async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await run('kubectl', args, { env: { ...process.env, KUBECONFIG: lab.kubeconfig }, maxBuffer: 16 << 20 });
  return stdout;
}

async function apply(object: unknown): Promise<void> {
  const file = path.join(lab.dir, `apply-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(file, JSON.stringify(object));
  await kubectl('apply', '-f', file);
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

const pod = async (ns: string, name: string) => JSON.parse(await kubectl('get', 'pod', '-n', ns, name, '-o', 'json'));


const podSpec = (name: string, spec: Record<string, unknown>, ns = 'default') => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns }, spec: { terminationGracePeriodSeconds: 5, ...spec } });

beforeAll(async () => {
  lab = await startLab({ owner: process.pid, services: ['kube-apiserver', 'dockerd'], nodes: 3 });
  docker = new Docker({ socketPath: lab.services.dockerd!.extra!.socket });
  await importBusybox(docker, fs.mkdtempSync(path.join(os.tmpdir(), 'kubelet-test-')), IMAGE);
}, 120_000);

afterAll(async () => {
  const dir = lab?.dir;
  const report = await lab?.stop();
  expect(report?.openPorts).toEqual([]);
  if (dir) expect(processesNaming(dir)).toEqual([]);
});

describe('the lab kubelets', () => {
  it('register their Nodes with capacity and Ready, and renew a Lease each', async () => {
    const status = await labStatus(lab.dir);
    expect(status!.filter((s) => s.name.startsWith('kubelet-')).map((s) => [s.name, s.healthy])).toEqual([
      ['kubelet-lab-node-1', true],
      ['kubelet-lab-node-2', true],
      ['kubelet-lab-node-3', true],
    ]);
    const nodes = JSON.parse(await kubectl('get', 'nodes', '-o', 'json')).items;
    expect(nodes.map((n: any) => n.metadata.name)).toEqual(['lab-node-1', 'lab-node-2', 'lab-node-3']);
    for (const n of nodes) {
      expect(Number(n.status.capacity.cpu)).toBe(os.cpus().length);
      expect(n.status.conditions.find((c: any) => c.type === 'Ready')).toMatchObject({ status: 'True', reason: 'KubeletReady' });
      expect(n.metadata.labels['kubernetes.io/hostname']).toBe(n.metadata.name);
    }
    const leases = JSON.parse(await kubectl('get', 'leases', '-n', 'kube-node-lease', '-o', 'json')).items;
    expect(leases.map((l: any) => [l.metadata.name, l.spec.holderIdentity])).toEqual([
      ['lab-node-1', 'lab-node-1'],
      ['lab-node-2', 'lab-node-2'],
      ['lab-node-3', 'lab-node-3'],
    ]);
  });

  it('runs a pod as containers: init container, command, args, env from values, ConfigMap, Secret and the downward API, workingDir, emptyDir', async () => {
    await apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'default' }, data: { mode: 'fast', 'app.conf': 'level=3\n' } });
    await apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: 'default' }, stringData: { password: 's3cret' } });
    await apply(podSpec('envpod', {
      nodeSelector: { 'kubernetes.io/hostname': 'lab-node-2' },
      volumes: [{ name: 'work', emptyDir: {} }, { name: 'conf', configMap: { name: 'settings' } }, { name: 'sec', secret: { secretName: 'creds' } }],
      initContainers: [{ name: 'prepare', image: IMAGE, command: ['sh', '-c', 'echo prepared > /work/init.txt'], volumeMounts: [{ name: 'work', mountPath: '/work' }] }],
      containers: [{
        name: 'main',
        image: IMAGE,
        workingDir: '/work',
        command: ['sh', '-c'],
        args: ['echo "$(GREETING) mode=$MODE pw=$PASSWORD pod=$POD_NAME node=$NODE ns=$NS dir=$(pwd) init=$(cat init.txt) conf=$(cat /conf/app.conf) sec=$(cat /sec/password)"; sleep 3600'],
        env: [
          { name: 'GREETING', value: 'hello' },
          { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'settings', key: 'mode' } } },
          { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
          { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        ],
        volumeMounts: [{ name: 'work', mountPath: '/work' }, { name: 'conf', mountPath: '/conf' }, { name: 'sec', mountPath: '/sec', readOnly: true }],
      }],
    }));
    const wide = await until('envpod Running', async () => {
      const out = await kubectl('get', 'pods', '-o', 'wide', '--no-headers');
      return /^envpod\s+1\/1\s+Running\s+0\s+\S+\s+127\.0\.0\.1\s+lab-node-2\s/m.test(out) && out;
    });
    expect(wide).toMatch(/envpod/);
    const p = await pod('default', 'envpod');
    expect(p.status.initContainerStatuses[0]).toMatchObject({ name: 'prepare', ready: true, state: { terminated: { exitCode: 0, reason: 'Completed' } } });
    expect(p.status.containerStatuses[0]).toMatchObject({ name: 'main', ready: true, started: true, restartCount: 0 });
    const id = String(p.status.containerStatuses[0].containerID).replace('docker://', '');
    const c = await docker.getContainer(id).inspect();
    expect(c.HostConfig.NetworkMode).toBe('host');
    const logs = await until('the output', async () => {
      const text = (await docker.getContainer(id).logs({ stdout: true, stderr: true })).toString('utf8');
      return text.includes('sec=') && text;
    });
    expect(logs).toContain('hello mode=fast pw=s3cret pod=envpod node=lab-node-2 ns=default dir=/work init=prepared conf=level=3 sec=s3cret');
  });

  it('reports exit codes, restarts by restartPolicy with back-off, and counts the restarts', async () => {
    await apply(podSpec('once', { restartPolicy: 'Never', containers: [{ name: 'c', image: IMAGE, command: ['sh', '-c', 'echo bye; exit 3'] }] }));
    await apply(podSpec('done', { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: IMAGE, command: ['true'] }] }));
    await apply(podSpec('crashy', { restartPolicy: 'Always', containers: [{ name: 'c', image: IMAGE, command: ['sh', '-c', 'exit 7'] }] }));
    const once = await until('once Failed', async () => ((await pod('default', 'once')).status?.phase === 'Failed' ? pod('default', 'once') : undefined));
    expect(once.status.containerStatuses[0]).toMatchObject({ restartCount: 0, ready: false, state: { terminated: { exitCode: 3, reason: 'Error' } } });
    const done = await until('done Succeeded', async () => ((await pod('default', 'done')).status?.phase === 'Succeeded' ? pod('default', 'done') : undefined));
    expect(done.status.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    const crashy = await until('crashy in back-off', async () => {
      const p = await pod('default', 'crashy');
      const s = p.status?.containerStatuses?.[0];
      return s?.restartCount >= 1 && s.state.waiting?.reason === 'CrashLoopBackOff' && p;
    });
    expect(crashy.status.phase).toBe('Running');
    expect(crashy.status.containerStatuses[0].lastState.terminated.exitCode).toBe(7);
    expect(await kubectl('get', 'pod', 'crashy', '--no-headers')).toMatch(/crashy\s+0\/1\s+CrashLoopBackOff\s+[1-9]/);
  });

  it('follows probes: readiness (exec) flips Ready and containerStatuses[].ready, and with them the Service\'s Endpoints; a failed liveness probe (httpGet) restarts the container once its startup probe (TCP) passed', async () => {
    const port = await freePort();
    await apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'probed', namespace: 'default' }, spec: { selector: { app: 'probed' }, ports: [{ name: 'web', port: 80, targetPort: 'http' }] } });
    await apply({
      ...podSpec('probed', {
        containers: [{
          name: 'web',
          image: IMAGE,
          command: ['sh', '-c', `mkdir -p /www && echo ok > /www/healthz && sleep 1 && exec busybox httpd -f -p 127.0.0.1:${port} -h /www`],
          ports: [{ name: 'http', containerPort: port }],
          startupProbe: { tcpSocket: { port: 'http' }, periodSeconds: 1, failureThreshold: 120 },
          livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 1, failureThreshold: 2, timeoutSeconds: 10 },
          readinessProbe: { exec: { command: ['sh', '-c', 'test -f /tmp/ready'] }, periodSeconds: 1, failureThreshold: 1, timeoutSeconds: 10 },
        }],
      }),
      metadata: { name: 'probed', namespace: 'default', labels: { app: 'probed' } },
    });
    const endpoints = async () => JSON.parse(await kubectl('get', 'endpoints', 'probed', '-o', 'json')).subsets?.[0] ?? {};
    const readyCondition = (p: any) => p.status.conditions.find((c: any) => c.type === 'Ready');
    const unready = await until('probed Running and started, not ready', async () => {
      const p = await pod('default', 'probed');
      return p.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.started === true && p;
    });
    expect(unready.status.containerStatuses[0].ready).toBe(false);
    expect(readyCondition(unready)).toMatchObject({ status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [web]' });
    expect(await kubectl('get', 'pod', 'probed', '--no-headers')).toMatch(/^probed\s+0\/1\s+Running\s/);
    const notReady = await until('the pod in notReadyAddresses', async () => {
      const s = await endpoints();
      return s.notReadyAddresses?.[0]?.targetRef?.name === 'probed' && s;
    });
    expect(notReady.addresses).toBeUndefined();
    expect(notReady.ports).toEqual([{ name: 'web', port, protocol: 'TCP' }]);

    await kubectl('exec', 'probed', '--', 'touch', '/tmp/ready');
    const ready = await until('probed ready', async () => {
      const p = await pod('default', 'probed');
      return p.status.containerStatuses[0].ready === true && readyCondition(p).status === 'True' && p;
    });
    expect(ready.status.containerStatuses[0].restartCount).toBe(0);
    const serving = await until('the pod in addresses', async () => {
      const s = await endpoints();
      return s.addresses?.[0]?.targetRef?.name === 'probed' && s;
    });
    expect(serving.notReadyAddresses).toBeUndefined();
    const slice = JSON.parse(await kubectl('get', 'endpointslices', '-l', 'kubernetes.io/service-name=probed', '-o', 'json')).items[0];
    expect(slice.endpoints.map((e: any) => e.conditions)).toEqual([{ ready: true, serving: true, terminating: false }]);

    await kubectl('exec', 'probed', '--', 'rm', '/tmp/ready');
    await until('probed unready again', async () => (await pod('default', 'probed')).status.containerStatuses[0].ready === false);
    await until('the pod back in notReadyAddresses', async () => (await endpoints()).notReadyAddresses?.[0]?.targetRef?.name === 'probed');

    await kubectl('exec', 'probed', '--', 'rm', '/www/healthz');
    const restarted = await until('probed restarted by its liveness probe', async () => {
      const p = await pod('default', 'probed');
      const s = p.status.containerStatuses[0];
      return s.restartCount === 1 && s.state.running && p;
    });
    expect(restarted.status.containerStatuses[0].lastState.terminated).toBeDefined();
    expect(restarted.status.containerStatuses[0].ready).toBe(false); // a new attempt starts unready
    await kubectl('delete', 'pod', 'probed', '--wait=false');
  });

  it('schedules by nodeSelector and taints, and leaves a pod no node fits Pending with the scheduler\'s reason', async () => {
    await kubectl('taint', 'nodes', 'lab-node-3', 'dedicated=db:NoSchedule');
    await apply(podSpec('tolerant', { nodeSelector: { 'kubernetes.io/hostname': 'lab-node-3' }, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }], containers: [{ name: 'c', image: IMAGE, command: ['sleep', '3600'] }] }));
    await apply(podSpec('intolerant', { nodeSelector: { 'kubernetes.io/hostname': 'lab-node-3' }, containers: [{ name: 'c', image: IMAGE, command: ['sleep', '3600'] }] }));
    const tolerant = await until('tolerant Running', async () => ((await pod('default', 'tolerant')).status?.phase === 'Running' ? pod('default', 'tolerant') : undefined));
    expect(tolerant.spec.nodeName).toBe('lab-node-3');
    const intolerant = await until('intolerant unschedulable', async () => {
      const p = await pod('default', 'intolerant');
      return p.status?.conditions?.find((c: any) => c.type === 'PodScheduled' && c.status === 'False') && p;
    });
    expect(intolerant.spec.nodeName).toBeUndefined();
    expect(intolerant.status.conditions[0].message).toBe("0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: db}, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.");
    await kubectl('taint', 'nodes', 'lab-node-3', 'dedicated-');
    await kubectl('delete', 'pod', 'intolerant', 'tolerant', '--wait=false');
  });

  it('runs one DaemonSet pod a node, and a deleted one comes back', async () => {
    await apply({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace: 'default' },
      spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { terminationGracePeriodSeconds: 2, containers: [{ name: 'agent', image: IMAGE, command: ['sleep', '3600'] }] } } },
    });
    const running = async () => JSON.parse(await kubectl('get', 'pods', '-l', 'app=agent', '-o', 'json')).items.filter((p: any) => p.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.ready);
    const first = await until('three agents', async () => ((await running()).length === 3 ? running() : undefined));
    expect(first.map((p: any) => p.spec.nodeName).sort()).toEqual(['lab-node-1', 'lab-node-2', 'lab-node-3']);
    const victim = first.find((p: any) => p.spec.nodeName === 'lab-node-1');
    await kubectl('delete', 'pod', victim.metadata.name);
    const again = await until('the agent back on lab-node-1', async () => {
      const pods = await running();
      return pods.length === 3 && !pods.some((p: any) => p.metadata.name === victim.metadata.name) && pods;
    });
    expect(again.map((p: any) => p.spec.nodeName).sort()).toEqual(['lab-node-1', 'lab-node-2', 'lab-node-3']);
    const victimContainer = String(victim.status.containerStatuses[0].containerID).replace('docker://', '');
    await until('the old container removed', async () => !(await docker.listContainers({ all: true })).some((c) => c.Id === victimContainer));
  });

  it('deletes a pod gracefully: deletionTimestamp and the grace period first, SIGTERM to the container, the object gone once it stopped; --grace-period=0 --force at once; finalizers hold it', async () => {
    await apply(podSpec('graceful', {
      terminationGracePeriodSeconds: 30,
      nodeSelector: { 'kubernetes.io/hostname': 'lab-node-1' },
      volumes: [{ name: 'host', hostPath: { path: '/var/lib/graceful', type: 'DirectoryOrCreate' } }],
      // It notes the TERM and carries on, so only SIGKILL ends it.
      containers: [{ name: 'c', image: IMAGE, command: ['sh', '-c', 'trap "echo terminated > /host/signal" TERM; echo up > /host/up; while true; do sleep 1; done'], volumeMounts: [{ name: 'host', mountPath: '/host' }] }],
    }));
    const root = lab.services['kubelet-lab-node-1']!.extra!.root;
    const folder = path.join(root, 'host', 'var', 'lib', 'graceful');
    const running = await until('the pod up', async () => fs.existsSync(path.join(folder, 'up')) && (await pod('default', 'graceful')).status?.containerStatuses?.[0]?.state?.running && pod('default', 'graceful'));
    const containerId = String(running.status.containerStatuses[0].containerID).replace('docker://', '');
    expect(await kubectl('delete', 'pod', 'graceful', '--wait=false')).toBe('pod "graceful" deleted\n');
    await until('the TERM handled', async () => fs.existsSync(path.join(folder, 'signal')));
    expect(fs.readFileSync(path.join(folder, 'signal'), 'utf8')).toBe('terminated\n');
    // Within its 30 s the pod is still there, Terminating, and its container still runs.
    const terminating = await pod('default', 'graceful');
    expect(terminating.metadata.deletionGracePeriodSeconds).toBe(30);
    expect(Date.parse(terminating.metadata.deletionTimestamp)).toBeGreaterThan(Date.parse(terminating.metadata.creationTimestamp));
    expect(await kubectl('get', 'pod', 'graceful', '--no-headers')).toMatch(/^graceful\s+1\/1\s+Terminating\s/);
    expect((await docker.getContainer(containerId).inspect()).State.Running).toBe(true);
    const forced = await run('kubectl', ['delete', 'pod', 'graceful', '--grace-period=0', '--force'], { env: { ...process.env, KUBECONFIG: lab.kubeconfig } });
    expect(forced.stderr).toContain('Immediate deletion does not wait for confirmation that the running resource has been terminated');
    const gone = await kubectl('get', 'pod', 'graceful').catch((e) => e);
    expect(gone.stderr).toContain('Error from server (NotFound): pods "graceful" not found');
    await until('the container killed and removed', async () => !(await docker.listContainers({ all: true })).some((c) => c.Id === containerId));
    expect(fs.existsSync(path.join(lab.services['kubelet-lab-node-2']!.extra!.root, 'host', 'var', 'lib', 'graceful'))).toBe(false);

    // A container that ends on TERM: kubectl delete waits until the pod is gone. A finalizer keeps the object after its containers stopped.
    await apply({
      ...podSpec('held', { containers: [{ name: 'c', image: IMAGE, command: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'] }] }),
      metadata: { name: 'held', namespace: 'default', finalizers: ['lab.example.com/hold'] },
    });
    const held = await until('held Running', async () => (await pod('default', 'held')).status?.containerStatuses?.[0]?.state?.running && pod('default', 'held'));
    const heldId = String(held.status.containerStatuses[0].containerID).replace('docker://', '');
    await kubectl('delete', 'pod', 'held', '--wait=false');
    await until('held\'s container stopped and removed', async () => !(await docker.listContainers({ all: true })).some((c) => c.Id === heldId));
    const kept = await until('the kubelet done with it', async () => {
      const p = await pod('default', 'held');
      return p.metadata.deletionGracePeriodSeconds === 0 && p;
    });
    expect(kept.metadata.finalizers).toEqual(['lab.example.com/hold']);
    await kubectl('patch', 'pod', 'held', '--type=merge', '-p', '{"metadata":{"finalizers":null}}');
    await until('held gone', async () => (await kubectl('get', 'pods', '-o', 'name')).split('\n').every((l) => l !== 'pod/held'));
  });

  it('mounts a claim through its bound PV, so what the pod writes lands in the PV\'s folder', async () => {
    await apply({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
    await apply(podSpec('writer', {
      restartPolicy: 'Never',
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
      containers: [{ name: 'c', image: IMAGE, command: ['sh', '-c', 'echo order-1 > /data/orders.txt'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
    }));
    await until('writer Succeeded', async () => (await pod('default', 'writer')).status?.phase === 'Succeeded');
    const claim = JSON.parse(await kubectl('get', 'pvc', 'data', '-o', 'json'));
    const pv = JSON.parse(await kubectl('get', 'pv', claim.spec.volumeName, '-o', 'json'));
    expect(fs.readFileSync(path.join(pv.spec.hostPath.path, 'orders.txt'), 'utf8')).toBe('order-1\n');
  });

  it('serves kubectl logs (plain, --previous and -f) and kubectl exec (output, exit code, stdin) through the API server', async () => {
    expect(await kubectl('logs', 'envpod')).toContain('hello mode=fast');
    await apply(podSpec('counter', {
      volumes: [{ name: 'd', emptyDir: {} }],
      containers: [{ name: 'c', image: IMAGE, command: ['sh', '-c', 'n=$(cat /d/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > /d/n; echo "attempt $n"; exit 1'], volumeMounts: [{ name: 'd', mountPath: '/d' }] }],
    }));
    await until('the second attempt', async () => (await kubectl('logs', 'counter')).includes('attempt 2'));
    expect(await kubectl('logs', 'counter', '--previous')).toBe('attempt 1\n');
    await expect(kubectl('logs', 'envpod', '--previous')).rejects.toThrow(/previous terminated container "main" in pod "envpod" not found/);

    await apply(podSpec('ticker', { containers: [{ name: 'c', image: IMAGE, command: ['sh', '-c', 'i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done'] }] }));
    await until('ticker Running', async () => (await pod('default', 'ticker')).status?.phase === 'Running');
    const follow = spawn('kubectl', ['logs', '-f', 'ticker'], { env: { ...process.env, KUBECONFIG: lab.kubeconfig } });
    let followed = '';
    follow.stdout.on('data', (d: Buffer) => (followed += d.toString()));
    await until('followed lines', async () => followed.includes('tick 5'));
    follow.kill();

    const failing = await run('kubectl', ['exec', 'envpod', '--', 'sh', '-c', 'echo hi; exit 3'], { env: { ...process.env, KUBECONFIG: lab.kubeconfig } }).catch((e) => e);
    expect(failing.stdout).toBe('hi\n');
    expect(failing.code).toBe(3);
    expect(await kubectl('exec', 'envpod', '--', 'sh', '-c', 'echo $GREETING; cat /work/init.txt')).toBe('hello\nprepared\n');
    const piped = await new Promise<string>((resolve, reject) => {
      const child = spawn('kubectl', ['exec', '-i', 'envpod', '--', 'sh', '-c', 'wc -l'], { env: { ...process.env, KUBECONFIG: lab.kubeconfig } });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}`))));
      child.stdin.end('one\ntwo\nthree\n');
    });
    expect(piped.trim()).toBe('3');
  });

  it('serves kubectl attach: the running container\'s output, and its stdin when it keeps one open', async () => {
    const env = { ...process.env, KUBECONFIG: lab.kubeconfig };
    const watching = spawn('kubectl', ['attach', 'ticker'], { env });
    let seen = '';
    watching.stdout.on('data', (d: Buffer) => (seen += d.toString()));
    await until('ticks through attach', async () => /tick \d+\n.*tick \d+\n/s.test(seen));
    watching.kill();

    await apply(podSpec('reader', { restartPolicy: 'Never', containers: [{ name: 'c', image: IMAGE, stdin: true, stdinOnce: true, command: ['sh', '-c', 'while read line; do echo "got $line"; done; echo bye'] }] }));
    await until('reader Running', async () => (await pod('default', 'reader')).status?.containerStatuses?.[0]?.state?.running);
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn('kubectl', ['attach', '-i', 'reader'], { env });
      let text = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`kubectl attach exited ${code}: ${err}`))));
      child.stdin.end('hello\nworld\n');
    });
    expect(out).toBe('got hello\ngot world\nbye\n');
    const done = await until('reader Succeeded', async () => ((await pod('default', 'reader')).status?.phase === 'Succeeded' ? pod('default', 'reader') : undefined));
    expect(done.status.containerStatuses[0].state.terminated.exitCode).toBe(0);
  });

  it('serves kubectl port-forward through the API server to the kubelet, over WebSocket (kubectl\'s default) and SPDY (its fallback)', async () => {
    const port = await freePort();
    await apply(podSpec('web', { containers: [{ name: 'c', image: IMAGE, ports: [{ containerPort: port }], command: ['sh', '-c', `mkdir -p /www && echo "served by web" > /www/index.html && exec busybox httpd -f -p 127.0.0.1:${port} -h /www`] }] }));
    await until('web Running', async () => (await pod('default', 'web')).status?.containerStatuses?.[0]?.state?.running);
    for (const websockets of ['true', 'false']) {
      const local = await freePort();
      const child = spawn('kubectl', ['port-forward', 'pod/web', `${local}:${port}`], { env: { ...process.env, KUBECONFIG: lab.kubeconfig, KUBECTL_PORT_FORWARD_WEBSOCKETS: websockets } });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      try {
        await until('forwarding', async () => out.includes(`Forwarding from 127.0.0.1:${local} -> ${port}`));
        // Two connections one after the other: each is its own pair of streams.
        for (let i = 0; i < 2; i++) {
          const page = await until('the page through the tunnel', async () => {
            const res = await fetch(`http://127.0.0.1:${local}/index.html`);
            return res.ok && res.text();
          });
          expect(page).toBe('served by web\n');
        }
        expect(out).toContain(`Handling connection for ${local}`);
      } finally {
        child.kill();
      }
    }
  });

  it('serves @kubernetes/client-node\'s Exec (with the exit status) and Log', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(lab.kubeconfig);
    let out = '';
    const stdout = new Writable({ write: (chunk, _enc, cb) => ((out += chunk.toString()), cb()) });
    const status = await new Promise<any>((resolve, reject) => {
      new k8s.Exec(kc).exec('default', 'envpod', 'main', ['sh', '-c', 'echo from-client; exit 4'], stdout, null, null, false, resolve).catch(reject);
    });
    expect(status).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '4' }] } });
    await until('the output', async () => out === 'from-client\n');
    const logs = new PassThrough();
    let text = '';
    logs.on('data', (d: Buffer) => (text += d.toString()));
    await new k8s.Log(kc).log('default', 'envpod', 'main', logs, { follow: false });
    await until('the log', async () => text.includes('hello mode=fast'));
  });

  it('gives a pod its ServiceAccount\'s token, which the API server accepts with RBAC: what its Role allows is listed, the rest is 403', async () => {
    await kubectl('create', 'namespace', 'team');
    await kubectl('create', 'serviceaccount', 'reader', '-n', 'team');
    await kubectl('create', 'role', 'configmap-reader', '-n', 'team', '--verb=get,list', '--resource=configmaps');
    await kubectl('create', 'rolebinding', 'reader-reads', '-n', 'team', '--role=configmap-reader', '--serviceaccount=team:reader');
    await apply(podSpec('caller', { serviceAccountName: 'reader', containers: [{ name: 'c', image: IMAGE, command: ['sleep', '3600'] }] }, 'team'));
    await until('caller Running', async () => (await pod('team', 'caller')).status?.phase === 'Running');
    // From inside the pod, over HTTPS, with busybox's wget and the mounted token (its built-in TLS
    // cannot check certificates: checking needs an openssl binary the image does not have).
    const wget = (apiPath: string) => run('kubectl', ['exec', '-n', 'team', 'caller', '--', 'sh', '-c',
      `busybox wget -q -O - --no-check-certificate --header "Authorization: Bearer $(cat /var/run/secrets/kubernetes.io/serviceaccount/token)" "https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT${apiPath}"`,
    ], { env: { ...process.env, KUBECONFIG: lab.kubeconfig } });
    const listed = JSON.parse((await wget('/api/v1/namespaces/team/configmaps')).stdout);
    expect(listed.items.map((i: any) => i.metadata.name)).toContain('kube-root-ca.crt');
    const refused = await wget('/api/v1/namespaces/team/secrets').catch((e) => e);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('wget: server returned error: HTTP/1.1 403 Forbidden');
    // The same token from outside, with kubectl: RBAC's messages as kube-apiserver words them.
    expect(await kubectl('exec', '-n', 'team', 'caller', '--', 'sh', '-c', 'cat /var/run/secrets/kubernetes.io/serviceaccount/namespace; echo; echo $KUBERNETES_SERVICE_HOST')).toBe('team\n127.0.0.1\n');
    expect(await kubectl('exec', '-n', 'team', 'caller', '--', 'cat', '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt')).toContain('BEGIN CERTIFICATE');
    const token = (await kubectl('exec', '-n', 'team', 'caller', '--', 'cat', '/var/run/secrets/kubernetes.io/serviceaccount/token')).trim();
    expect(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())).toMatchObject({ sub: 'system:serviceaccount:team:reader', 'kubernetes.io': { namespace: 'team', pod: { name: 'caller' } } });
    const asPod = (...args: string[]) => run('kubectl', ['--server', lab.services['kube-apiserver']!.address, '--certificate-authority', lab.services['kube-apiserver']!.extra!.caCert, '--token', token, ...args], { env: { ...process.env, KUBECONFIG: '/dev/null' } });
    expect((await asPod('get', 'configmaps', '-n', 'team', '-o', 'name')).stdout).toContain('configmap/kube-root-ca.crt');
    const denied = await asPod('get', 'secrets', '-n', 'team').catch((e) => e);
    expect(denied.stderr).toContain('Error from server (Forbidden): secrets is forbidden: User "system:serviceaccount:team:reader" cannot list resource "secrets" in API group "" in the namespace "team"');
    const forged = `${token.split('.').slice(0, 1).join('')}.${Buffer.from(JSON.stringify({ sub: 'system:serviceaccount:kube-system:admin', exp: 9999999999 })).toString('base64url')}.${token.split('.')[2]}`;
    const tampered = await asPod('get', 'configmaps', '-n', 'team', '--token', forged).catch((e) => e);
    expect(tampered.stderr).toMatch(/Unauthorized/);
  });
});
