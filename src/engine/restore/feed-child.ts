// A file of the snapshot fed to a program's stdin (a SQL dump into `mariadb`), with back-pressure;
// fails with the program's last stderr line. The PostgreSQL and MariaDB restores use it.
import { spawn } from 'node:child_process';
import type { Repository } from '../repository/repository.ts';
import type { SnapshotInfo } from '../repository/snapshot.ts';
import { findPath, readFile } from '../repository/reader.ts';
import { failureLine } from '../sources/child-stream.ts';

export async function feedChild(
  repo: Repository,
  snapshot: SnapshotInfo,
  from: string,
  program: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; signal: AbortSignal; onBytes?(n: number): void },
): Promise<void> {
  const child = spawn(program, args, { env: opts.env, stdio: ['pipe', 'ignore', 'pipe'], signal: opts.signal });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => (stderr = (stderr + s).slice(-8192)));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  let broken = false;
  child.stdin.on('error', () => (broken = true));
  try {
    const { node } = await findPath(repo, snapshot, from);
    for await (const b of readFile(repo, node)) {
      if (broken) break;
      if (!child.stdin.write(b)) await new Promise<void>((resolve) => {
        child.stdin.once('drain', resolve);
        child.stdin.once('close', resolve);
      });
      opts.onBytes?.(b.length);
    }
  } finally {
    child.stdin.end();
  }
  const code = await exited;
  const name = program.split('/').at(-1);
  if (code !== 0) throw new Error(failureLine(name!, stderr, code));
}
