import React from 'react';
import { render } from 'ink';
import { makeTheme } from '../components/theme.ts';
import { App } from './App.tsx';
import type { TuiServices } from './services.ts';

const ALT_SCREEN_ON = '\x1b[?1049h';
const ALT_SCREEN_OFF = '\x1b[?1049l';

/** Runs the TUI on the alternate screen and restores the terminal on every way out. */
export async function runTui(opts: { services: TuiServices; noColor: boolean; stdout: NodeJS.WriteStream; stdin: NodeJS.ReadStream }): Promise<number> {
  // The engine sits behind TuiServices: the CLI builds them (src/cli/tui.ts, engineServices.ts).
  const { services, stdout } = opts;
  const theme = makeTheme({ noColor: opts.noColor });
  stdout.write(ALT_SCREEN_ON);
  const restore = () => stdout.write(ALT_SCREEN_OFF);
  process.once('exit', restore);
  try {
    const app = render(<App services={services} theme={theme} />, {
      stdout,
      stdin: opts.stdin,
      exitOnCtrlC: false,
      patchConsole: false,
      maxFps: 15,
    });
    await app.waitUntilExit();
  } finally {
    process.off('exit', restore);
    restore();
  }
  return 0;
}
