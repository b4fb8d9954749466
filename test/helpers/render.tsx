import { EventEmitter } from 'node:events';
import type { ReactElement } from 'react';
import { render as inkRender } from 'ink';

// ink-testing-library's stdout is fixed at 100 columns with no rows; lifeboat lays out by the
// terminal's size, so tests use a stdout whose size they choose (and can resize).

class Stdout extends EventEmitter {
  frames: string[] = [];
  isTTY = true;
  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
  }
  write = (frame: string) => {
    this.frames.push(frame);
    return true;
  };
  lastFrame = () => this.frames.at(-1);
}

export class Stdin extends EventEmitter {
  isTTY = true;
  private data: string | null = null;
  write = (data: string) => {
    this.data = data;
    this.emit('readable');
    this.emit('data', data);
  };
  read = () => {
    const d = this.data;
    this.data = null;
    return d;
  };
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
}

/** Named keys, as a terminal sends them. */
export const KEYS = {
  up: '\u001B[A',
  down: '\u001B[B',
  enter: '\r',
  esc: '\u001B',
  tab: '\t',
  backspace: '\u007F',
  ctrlC: '\u0003',
  ctrlR: '\u0012',
  ctrlF: '\u0006',
  ctrlB: '\u0002',
  ctrlD: '\u0004',
  ctrlU: '\u0015',
  pageDown: '\u001B[6~',
  pageUp: '\u001B[5~',
  space: ' ',
} as const;

const ANSI = /\u001B\[[0-9;?]*[ -/]*[@-~]/g;
export const stripAnsi = (s: string) => s.replace(ANSI, '');

export function renderApp(tree: ReactElement, size: { columns?: number; rows?: number } = {}) {
  const stdout = new Stdout(size.columns ?? 80, size.rows ?? 24);
  const stdin = new Stdin();
  const stderr = new Stdout(80, 24);
  const instance = inkRender(tree, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  const frame = () => stdout.lastFrame() ?? '';
  return {
    stdout,
    stdin,
    instance,
    /** The last frame, without colour codes. */
    text: () => stripAnsi(frame()),
    /** The last frame as written, with colour codes. */
    raw: frame,
    /** Presses a named key (or types text). */
    press: (key: keyof typeof KEYS | string) => stdin.write(key in KEYS ? KEYS[key as keyof typeof KEYS] : key),
    /** Waits until the screen shows `what` (text or pattern). */
    waitFor: (what: string | RegExp, timeoutMs = 10_000) => waitFor(() => {
      const t = stripAnsi(frame());
      return typeof what === 'string' ? t.includes(what) : what.test(t);
    }, timeoutMs, () => `screen never showed ${what}; last frame:\n${stripAnsi(frame())}`),
    resize(columns: number, rows: number) {
      stdout.columns = columns;
      stdout.rows = rows;
      stdout.emit('resize');
    },
    unmount: () => instance.unmount(),
  };
}

/** Polls `check` until true; no fixed sleeps in tests. */
export async function waitFor(check: () => boolean, timeoutMs = 10_000, why: () => string = () => 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(why());
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Types a `:` command and runs it, waiting for each step to show. */
export async function runCommand(app: ReturnType<typeof renderApp>, text: string): Promise<void> {
  app.press(':');
  await app.waitFor(/^:/m);
  app.press(text);
  await app.waitFor(`:${text}`);
  app.press('enter');
}
