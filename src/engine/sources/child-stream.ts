// A dump program's stdout as a stream for the sink, checked at its end: the program's exit
// status is read before the stream ends, so a failed dump is never stored as if it were whole.
// The PostgreSQL, MariaDB and Redis sources use it.
import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { idleDeadline } from '../deadline.ts';
import { errorLine } from '../errors.ts';

/** The last non-empty line of a program's stderr, for a one-line failure. */
export function lastLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .at(-1) ?? ''
  );
}

/**
 * A failed program's one line: its last stderr line, said once as `program: ...` (pg_dump and
 * mariadb-dump already start their lines with their name), else its exit status.
 */
export function failureLine(name: string, stderr: string, status: number | string | null): string {
  const line = lastLine(stderr);
  if (!line) return `${name}: exited with ${status}`;
  return line.startsWith(`${name}:`) ? line : `${name}: ${line}`;
}

export interface ChildStream {
  /** The program's stdout; throws at its end when the program failed. */
  stream: AsyncGenerator<Uint8Array>;
  /** Kills the program (when the sink gave up) and waits for it. */
  kill(): Promise<void>;
}

/**
 * Runs `program` and hands its stdout over as a stream. `what` names it in errors (e.g.
 * "MariaDB 127.0.0.1:3306 dump of shop"); an idle deadline stops a server that stops answering.
 */
export function childStream(what: string, program: string, args: string[], opts: { env?: NodeJS.ProcessEnv; signal: AbortSignal }): ChildStream {
  const child = spawn(program, args, { env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], signal: opts.signal });
  // Piped at once: a child's stdout nobody listens to yet is drained and lost when it exits.
  const stdout = child.stdout.pipe(new PassThrough());
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    stderr = (stderr + s).slice(-8192);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    child.on('error', (error) => resolve({ code: null, signal: null, error }));
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  const name = program.split('/').at(-1);
  async function* stream(): AsyncGenerator<Uint8Array> {
    yield* idleDeadline(what, stdout as AsyncIterable<Uint8Array>, () => child.kill('SIGKILL'));
    const end = await exited;
    opts.signal.throwIfAborted();
    if (end.error) throw new Error(`${name} could not run (${program}): ${errorLine(end.error)}`);
    if (end.code !== 0) throw new Error(failureLine(name!, stderr, end.code ?? end.signal));
  }
  return {
    stream: stream(),
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
