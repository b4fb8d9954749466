import React from 'react';
import { render } from 'ink';
import type { CommandContext } from '../cli/command.ts';
import { makeTheme, noColorRequested } from '../components/theme.ts';
import { App } from './App.tsx';
import { engineServices } from './engineServices.ts';

const ALT_SCREEN_ON = '\x1b[?1049h';
const ALT_SCREEN_OFF = '\x1b[?1049l';

/** Runs the TUI on the alternate screen and restores the terminal on every way out. */
export async function runTui(ctx: CommandContext): Promise<number> {
  // The engine sits behind TuiServices: see engineServices.ts for what is plugged in and what is not.
  const services = await engineServices(ctx);
  const theme = makeTheme({ noColor: noColorRequested(ctx.env, ctx.globals.noColor) });
  const stdout = ctx.stdout as NodeJS.WriteStream;
  stdout.write(ALT_SCREEN_ON);
  const restore = () => stdout.write(ALT_SCREEN_OFF);
  process.once('exit', restore);
  try {
    const app = render(<App services={services} theme={theme} />, {
      stdout,
      stdin: ctx.stdin as NodeJS.ReadStream,
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
