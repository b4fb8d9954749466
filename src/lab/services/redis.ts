// Redis for the lab (Debian's redis-server): in the foreground on a loopback port, as the `redis`
// user, with a password (in a file) and RDB files in its own folder; no automatic saves, so the
// only snapshots are the ones asked for.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { requireProgram, spawnService, stopGroup, waitReady } from '../process.ts';
import { servicePort, type LabContext, type ServiceDef, type ServiceState } from '../service.ts';
import { passwordFile, userHome } from './user-home.ts';

const SOCKET = 'redis.sock';

/** Whether a Redis server answers on the port: any reply to PING (NOAUTH included) is alive. */
export function redisAnswers(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (b) => done(/^[+-]/.test(b.toString())));
  });
}

export async function startRedis(lab: LabContext, opts: { name?: string } = {}): Promise<ServiceState> {
  const name = opts.name ?? 'redis';
  requireProgram(name, 'redis-server');
  requireProgram(name, 'redis-cli');
  const port = await servicePort(lab, name);
  const home = userHome(lab, name, 'redis', SOCKET);
  const pwFile = path.join(home.dir, 'password');
  const password = passwordFile(pwFile);
  const log = path.join(home.dir, 'redis.log');
  // Where the redis user can read it (the lab folder's parents may be closed to it); it holds the password.
  const conf = path.join(home.home, 'redis.conf');
  fs.writeFileSync(
    conf,
    [
      `port ${port}`, 'bind 127.0.0.1', `dir ${home.home}`, `unixsocket ${path.join(home.home, SOCKET)}`, 'daemonize no',
      'save ""', 'appendonly no', 'dbfilename dump.rdb', 'logfile ""', 'protected-mode yes', `requirepass ${password}`,
      // Keep the command line (which names the lab folder): the lab tells its own processes by it.
      'set-proc-title no', '',
    ].join('\n'),
    { mode: 0o600 },
  );
  if (home.ids) fs.chownSync(conf, home.ids.uid, home.ids.gid);
  const spawned = spawnService({
    service: name,
    program: 'redis-server',
    // The password is in the config file (never on the command line, which `ps` shows).
    args: [conf],
    logFile: log,
    user: home.user,
    owner: lab.owner,
  });
  await waitReady(name, spawned, log, () => redisAnswers(port));
  return {
    name,
    pid: spawned.pid,
    port,
    address: `redis://127.0.0.1:${port}`,
    dir: home.dir,
    log,
    extra: { passwordFile: pwFile, dataDir: home.home },
    outside: home.outside,
  };
}

export const redisService: ServiceDef = {
  name: 'redis',
  start: (lab) => startRedis(lab),
  health: (state) => redisAnswers(state.port),
  // SIGTERM makes Redis save an RDB when save points are set; with none it just exits.
  stop: (state) => stopGroup(state.pid, 10_000),
};
