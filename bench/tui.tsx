// Benchmark: the TUI with 20,000 inventory rows. Renders the app as `lifeboat` runs it (Ink, the
// product's render options) on an 80x24 terminal in this process, then presses keys one at a
// time, as a person does (each after the last frame, 100 ms apart, the pace of a held key), and
// times each from the key to the frame that shows it. Prints the median, the 95th percentile and
// the worst (and the CPU time per key, which load on the machine does not stretch), and the
// process's peak RSS. There is no reference tool to run here: the goal is the
// issue's (k9s answers about as fast).
//
//   node bin/run-ts.js bench/tui.tsx [--rows 20000] [--keys 200]
import { EventEmitter } from 'node:events';
import React from 'react';
import { render } from 'ink';
import { App } from '../src/screens/App.tsx';
import { makeTheme } from '../src/components/theme.ts';
import { labServices, manyItems } from '../test/screens/fixtures.ts';
import { Stdin } from '../test/helpers/render.tsx';

const args = process.argv.slice(2);
const rows = Number(args[args.indexOf('--rows') + 1] || 20000) || 20000;
const keys = Number(args[args.indexOf('--keys') + 1] || 200) || 200;
const ANSI = /\u001B\[[0-9;?]*[ -/]*[@-~]/g;

/** A terminal of a chosen size that keeps what is written to it. */
class Terminal extends EventEmitter {
  isTTY = true;
  columns = 80;
  rows = 24;
  last = '';
  onWrite: (() => void) | undefined;
  write = (s: string) => {
    const text = s.replace(ANSI, '');
    if (text.trim() === '') return true; // synchronized-output markers around a frame
    this.last = text;
    this.onWrite?.();
    return true;
  };
}

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);

const stdout = new Terminal();
const stdin = new Stdin(); // the tests' keyboard: a key arrives as a terminal sends it
const { services } = labServices({ items: manyItems(rows) });
const app = render(<App services={services} theme={makeTheme({ noColor: false })} />, {
  stdout: stdout as unknown as NodeJS.WriteStream,
  stdin: stdin as unknown as NodeJS.ReadStream,
  exitOnCtrlC: false,
  patchConsole: false,
  maxFps: 15, // as src/screens/run.tsx
});

/** Resolves once a frame satisfies `check`; throws after `ms`. */
function frame(check: (text: string) => boolean, ms: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no such frame within ${ms} ms; last:\n${stdout.last}`)), ms);
    const look = () => {
      if (!check(stdout.last)) return;
      clearTimeout(timer);
      stdout.onWrite = undefined;
      resolve(performance.now());
    };
    stdout.onWrite = look;
    look();
  });
}

const cursor = (text: string) => text.split('\n').find((l) => l.startsWith('>')) ?? '';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
try {
  const t0 = performance.now();
  await frame((t) => t.includes(`inventory(all)[${rows.toLocaleString('en')}]`), 120_000);
  const openSeconds = (performance.now() - t0) / 1000;
  // j down, then k up, then j again: every press moves the cursor, so every press has a frame to wait for.
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < keys; i++) {
    const key = Math.floor(i / 50) % 2 === 0 ? 'j' : 'k';
    await sleep(100);
    const before = cursor(stdout.last);
    const used = process.cpuUsage();
    const pressed = performance.now();
    stdin.write(key);
    const shown = await frame((t) => cursor(t) !== before, 10_000);
    times.push(shown - pressed);
    const c = process.cpuUsage(used);
    cpu.push((c.user + c.system) / 1000);
  }
  times.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  const p95 = at(0.95);
  const rssMB = Math.max(peakRss, process.memoryUsage().rss) / 1e6;
  const rowsOut = [
    [`a key with ${rows.toLocaleString('en')} inventory rows (${keys} presses of j/k)`, `median ${at(0.5).toFixed(1)} ms, 95th percentile ${p95.toFixed(1)} ms, worst ${times.at(-1)!.toFixed(1)} ms (CPU per key: median ${cpu[cpu.length >> 1]!.toFixed(1)} ms)`, '< 30 ms (95th percentile)', p95 < 30 ? 'met' : 'NOT met'],
    ['TUI peak RSS (runs from the TypeScript sources, tsx included)', `${rssMB.toFixed(0)} MB (opened in ${openSeconds.toFixed(2)} s)`, '< 300 MB', rssMB < 300 ? 'met' : 'NOT met'],
  ];
  for (const r of rowsOut) console.log(`  ${r[0]}: ${r[1]} (goal ${r[2]}): ${r[3]}`);
  console.log('\n| measure | lifeboat | goal | verdict |\n| --- | --- | --- | --- |');
  for (const r of rowsOut) console.log(`| ${r.join(' | ')} |`);
} finally {
  clearInterval(sampler);
  app.unmount();
}
process.exit(0);
