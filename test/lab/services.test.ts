// One real lab for this file: each service is started for real and talked to with its own client.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfigFile } from '../../src/engine/config/load.ts';
import { importBusybox } from '../../src/lab/fixtures.ts';
import { labStatus, startLab, type Lab } from '../../src/lab/lab.ts';

const run = promisify(execFile);
let lab: Lab;

beforeAll(async () => {
  lab = await startLab({ owner: process.pid });
});

afterAll(async () => {
  const report = await lab?.stop();
  expect(report?.openPorts).toEqual([]);
});

describe('the lab', () => {
  it('starts nine healthy services (eight and the API server), each in its own folder with its log', async () => {
    const status = await labStatus(lab.dir);
    expect(status!.map((s) => [s.name, s.healthy])).toEqual([
      ['etcd', true],
      ['kube-apiserver', true],
      ['dockerd', true],
      ['registry', true],
      ['prometheus', true],
      ['postgres', true],
      ['s3', true],
      ['mariadb', true],
      ['redis', true],
    ]);
    for (const s of Object.values(lab.services)) {
      expect(s.dir).toBe(path.join(lab.dir, s.name));
      expect(fs.existsSync(s.log)).toBe(true);
    }
    const state = JSON.parse(fs.readFileSync(path.join(lab.dir, 'state.json'), 'utf8'));
    expect(state.complete).toBe(true);
  });

  it('writes a lifeboat.yaml that loads and points at each service', () => {
    const config = readConfigFile(lab.configFile);
    expect(config.docker?.host).toBe(lab.services.dockerd!.address);
    expect(config.etcd?.endpoints).toEqual([lab.services.etcd!.address]);
    expect(config.registries?.[0]?.url).toBe(lab.services.registry!.address);
    expect(config.prometheus?.[0]?.url).toBe(lab.services.prometheus!.address);
    expect(config.prometheus?.[0]?.ruleFiles).toEqual([path.join(lab.dir, 'prometheus', 'rules.yml')]);
    expect(config.databases?.[0]).toMatchObject({ kind: 'postgresql', host: '127.0.0.1', port: lab.services.postgres!.port, database: 'lab' });
    expect(config.mariadb?.[0]).toMatchObject({ name: 'lab', host: '127.0.0.1', port: lab.services.mariadb!.port, user: 'lab' });
    expect(config.redis?.[0]).toMatchObject({ name: 'lab', port: lab.services.redis!.port });
    expect(config.buckets?.[0]).toMatchObject({ name: 'app-data', endpoint: lab.services.s3!.address, bucket: 'app-data' });
    expect(config.lab?.dir).toBe(lab.dir);
    expect(lab.env).toMatchObject({ DOCKER_HOST: config.docker?.host, ETCDCTL_API: '3', LIFEBOAT_CONFIG: lab.configFile });
  });
});

describe('etcd', () => {
  it('keeps a key put through the v3 API, and etcdctl reads it', async () => {
    const client = new Etcd3({ hosts: lab.services.etcd!.address });
    try {
      await client.put('/lifeboat/test').value('hello');
      expect(await client.get('/lifeboat/test').string()).toBe('hello');
    } finally {
      client.close();
    }
    const { stdout } = await run('etcdctl', ['get', '--print-value-only', '/lifeboat/test'], { env: { ...process.env, ...lab.env } });
    expect(stdout.trim()).toBe('hello');
  });
});

describe('dockerd, and the registry', () => {
  const image = 'lab/busybox:1';
  let docker: Docker;

  beforeAll(async () => {
    docker = new Docker({ socketPath: lab.services.dockerd!.extra!.socket! });
    await importBusybox(docker, lab.dir, image);
  });

  it('runs a container with no network that writes to a named volume', async () => {
    const container = await docker.createContainer({
      Image: image,
      Cmd: ['sh', '-c', 'echo hi from the lab > /data/f'],
      HostConfig: { NetworkMode: 'none', Binds: ['vol1:/data'] },
    });
    await container.start();
    const result = (await container.wait()) as { StatusCode: number };
    await container.remove();
    expect(result.StatusCode).toBe(0);
    const volume = await docker.getVolume('vol1').inspect();
    expect(volume.Mountpoint.startsWith(lab.dir)).toBe(true);
    expect(fs.readFileSync(path.join(volume.Mountpoint, 'f'), 'utf8')).toBe('hi from the lab\n');
  });

  it('pushes the image to the registry with skopeo', async () => {
    const registry = lab.services.registry!;
    await run('skopeo', [
      'copy', '--src-daemon-host', lab.services.dockerd!.address, '--dest-tls-verify=false',
      `docker-daemon:${image}`, `docker://127.0.0.1:${registry.port}/${image}`,
    ]);
    const tags = (await (await fetch(`${registry.address}/v2/lab/busybox/tags/list`)).json()) as { tags: string[] };
    expect(tags.tags).toEqual(['1']);
  });
});

describe('prometheus', () => {
  it('answers a query of up, with its rules file loaded', async () => {
    const url = lab.services.prometheus!.address;
    let value: string | undefined;
    for (let i = 0; i < 100 && value === undefined; i++) {
      const body = (await (await fetch(`${url}/api/v1/query?query=up`)).json()) as {
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      value = body.data.result.find((r) => r.metric.job === 'prometheus')?.value[1];
      if (value === undefined) await new Promise((r) => setTimeout(r, 200));
    }
    expect(value).toBe('1');
    const rules = (await (await fetch(`${url}/api/v1/rules`)).json()) as { data: { groups: { name: string }[] } };
    expect(rules.data.groups.map((g) => g.name)).toEqual(['lab']);
  });
});

describe('postgres', () => {
  it('answers queries from psql in the lab database', async () => {
    const env = { ...process.env, ...lab.env };
    const sql = 'create table t (x int); insert into t values (1), (2), (3); select sum(x) from t;';
    const { stdout } = await run('psql', ['-v', 'ON_ERROR_STOP=1', '-tA', '-c', sql], { env });
    expect(stdout.trim().split('\n').pop()).toBe('6');
    const who = await run('psql', ['-tA', '-c', 'select current_database(), current_user'], { env });
    expect(who.stdout.trim()).toBe('lab|postgres');
  });
});

describe('s3', () => {
  it('keeps an object put through the S3 API in its buckets, and refuses an unknown access key', async () => {
    const { S3Client, PutObjectCommand, GetObjectCommand, ListBucketsCommand } = await import('@aws-sdk/client-s3');
    const endpoint = lab.env.AWS_ENDPOINT_URL_S3!;
    expect(endpoint).toBe(lab.services.s3!.address);
    const client = (accessKeyId: string) =>
      new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId, secretAccessKey: lab.env.AWS_SECRET_ACCESS_KEY! } });
    const s3 = client(lab.env.AWS_ACCESS_KEY_ID!);
    const buckets = await s3.send(new ListBucketsCommand({}));
    expect(buckets.Buckets?.map((b) => b.Name).sort()).toEqual(['app-data', 'lifeboat']);
    await s3.send(new PutObjectCommand({ Bucket: 'app-data', Key: 'dir/hello.txt', Body: 'hello', ContentType: 'text/plain', Metadata: { owner: 'lab' } }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'app-data', Key: 'dir/hello.txt' }));
    expect(await got.Body!.transformToString()).toBe('hello');
    expect(got.Metadata).toEqual({ owner: 'lab' });
    await expect(client('wrong').send(new ListBucketsCommand({}))).rejects.toThrow(/access key/i);
  });
});

/** Owner of a process, from /proc (the lab runs the servers as their own users when it is root). */
function processUser(pid: number): string {
  const uid = /^Uid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]!;
  return fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.split(':')[2] === uid)!.split(':')[0]!;
}

describe('mariadb', () => {
  it('answers the lab user with its password over TCP, refuses a wrong one, and runs as mysql', async () => {
    const m = lab.services.mariadb!;
    const password = fs.readFileSync(m.extra!.passwordFile!, 'utf8').trim();
    const args = ['--no-defaults', '--protocol=tcp', '-h', '127.0.0.1', '-P', String(m.port), '-u', 'lab', '-N', '-B', 'lab'];
    const { stdout } = await run('mariadb', [...args, '-e', 'create table t (x int); insert into t values (1), (2), (3); select sum(x), database() from t;'], { env: { ...process.env, MYSQL_PWD: password } });
    expect(stdout.trim()).toBe('6\tlab');
    await expect(run('mariadb', [...args, '-e', 'select 1'], { env: { ...process.env, MYSQL_PWD: 'wrong' } })).rejects.toThrow(/Access denied/);
    if (process.getuid?.() === 0) expect(processUser(m.pid)).toBe('mysql');
  });
});

describe('redis', () => {
  it('asks for its password, keeps keys, and runs as redis with no system-wide server beside it', async () => {
    const r = lab.services.redis!;
    const cli = (auth: string | undefined, ...args: string[]) =>
      run('redis-cli', ['-p', String(r.port), '--no-auth-warning', ...args], { env: { ...process.env, ...(auth ? { REDISCLI_AUTH: auth } : {}) } });
    expect((await cli(undefined, 'get', 'x')).stdout).toMatch(/NOAUTH/);
    const password = fs.readFileSync(r.extra!.passwordFile!, 'utf8').trim();
    expect((await cli(password, 'set', 'x', '1', 'EX', '100')).stdout.trim()).toBe('OK');
    expect(Number((await cli(password, 'ttl', 'x')).stdout.trim())).toBeGreaterThan(0);
    if (process.getuid?.() === 0) expect(processUser(r.pid)).toBe('redis');
    // The password is in the config file, never on a command line `ps` shows.
    expect(fs.readFileSync(`/proc/${r.pid}/cmdline`, 'utf8')).not.toContain(password);
  });
});
