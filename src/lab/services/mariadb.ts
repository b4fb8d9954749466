// MariaDB for the lab (Debian's mariadb-server): a data folder made by mariadb-install-db, the
// server in the foreground on a loopback port, run as the `mysql` user (it drops root itself, so
// the lab owns its pid). A `lab` user with a random password (in a file) owns database `lab`.
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { requireProgram, runSync, spawnService, waitReady } from '../process.ts';
import { servicePort, type LabContext, type ServiceDef, type ServiceState } from '../service.ts';
import { passwordFile, userHome } from './user-home.ts';

export const MARIADB_DATABASE = 'lab';
export const MARIADB_USER = 'lab';
const SOCKET = 'mysqld.sock';

/** Whether the server answers a client on 127.0.0.1:port (its handshake packet, protocol 10). */
export function mariadbReady(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('error', () => done(false));
    // A refusal (0xff: this host has no account yet) is an answer too.
    socket.once('data', (b) => done(b.length > 4 && (b[4] === 10 || b[4] === 0xff)));
  });
}

export async function startMariadb(lab: LabContext, opts: { name?: string } = {}): Promise<ServiceState> {
  const name = opts.name ?? 'mariadb';
  for (const program of ['mariadbd', 'mariadb-install-db', 'mariadb', 'mariadb-admin']) requireProgram(name, program);
  const port = await servicePort(lab, name);
  const home = userHome(lab, name, 'mysql', SOCKET);
  const dataDir = path.join(home.home, 'data');
  const socket = path.join(home.home, SOCKET);
  // The account the lab sets up with: the OS user we are, through the server's socket (no password).
  const admin = home.user ? 'root' : os.userInfo().username;
  runSync(name, 'mariadb-install-db', [
    '--no-defaults', `--datadir=${dataDir}`, ...(home.user ? [`--user=${home.user}`] : []),
    '--auth-root-authentication-method=socket', `--auth-root-socket-user=${admin}`, '--skip-test-db',
  ]);
  const log = path.join(home.dir, 'mariadb.log');
  const spawned = spawnService({
    service: name,
    program: 'mariadbd',
    args: [
      '--no-defaults', `--datadir=${dataDir}`, `--socket=${socket}`, `--port=${port}`, '--bind-address=127.0.0.1',
      `--pid-file=${path.join(home.home, 'mariadbd.pid')}`, ...(home.user ? [`--user=${home.user}`] : []),
      '--skip-log-bin', '--event-scheduler=ON', '--skip-name-resolve', '--log-warnings=1', '--character-set-server=utf8mb4',
      // A lab, not a bank: no waiting on the disk, little memory.
      '--innodb-flush-log-at-trx-commit=0', '--innodb-buffer-pool-size=32M', '--max-connections=40',
    ],
    logFile: log,
    owner: lab.owner,
  });
  await waitReady(name, spawned, log, () => mariadbReady(port));
  const password = passwordFile(path.join(home.dir, 'password'));
  const q = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  runSync(name, 'mariadb', ['--no-defaults', '-S', socket, '-u', admin], {
    input: [
      `CREATE DATABASE IF NOT EXISTS ${MARIADB_DATABASE};`,
      ...['127.0.0.1', 'localhost'].map((h) => `CREATE USER IF NOT EXISTS '${MARIADB_USER}'@'${h}' IDENTIFIED BY ${q(password)}; GRANT ALL PRIVILEGES ON *.* TO '${MARIADB_USER}'@'${h}' WITH GRANT OPTION;`),
      '',
    ].join('\n'),
  });
  return {
    name,
    pid: spawned.pid,
    port,
    address: `mysql://${MARIADB_USER}@127.0.0.1:${port}/${MARIADB_DATABASE}`,
    dir: home.dir,
    log,
    extra: { user: MARIADB_USER, database: MARIADB_DATABASE, passwordFile: path.join(home.dir, 'password'), socket, dataDir },
    outside: home.outside,
  };
}

export const mariadbService: ServiceDef = {
  name: 'mariadb',
  start: (lab) => startMariadb(lab),
  health: (state) => mariadbReady(state.port),
};
