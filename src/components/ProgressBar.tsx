import React from 'react';
import { Text } from 'ink';
import { fit, formatBytesShort, formatCount, formatDuration, formatPercent } from './format.ts';
import type { Theme } from './theme.ts';
import { useTick } from './ticker.ts';

// One job's line: status word, title, a text bar with the percentage, bytes or items done of the
// total, rate and ETA. With no total the bar is indeterminate: a block walks along it, driven by
// the one shared ticker, and the line says "?" rather than guess a percentage.

/** What a bar shows of a job (the backup store's JobView is one): the component's own shape, so it needs no screen. */
export interface JobView {
  title: string;
  status: 'pending' | 'running' | 'ok' | 'failed' | 'cancelled';
  counts: { bytesDone: number; bytesTotal?: number; itemsDone: number; itemsTotal?: number };
  bytesPerSecond: number;
  itemsPerSecond: number;
  /** Seconds left; undefined while no total or no rate is known. */
  eta?: number;
}

const STATUS: Record<JobView['status'], { word: string; glyph: keyof Theme['glyph']; level?: 'ok' | 'warn' | 'danger' | 'dim' }> = {
  pending: { word: 'waiting', glyph: 'pending', level: 'dim' },
  running: { word: 'running', glyph: 'running' },
  ok: { word: 'ok', glyph: 'ok', level: 'ok' },
  failed: { word: 'FAILED', glyph: 'danger', level: 'danger' },
  cancelled: { word: 'cancelled', glyph: 'warn', level: 'warn' },
};

/** The fraction done, or undefined when no total is known. */
export function fractionOf(job: JobView): number | undefined {
  const c = job.counts;
  if (c.bytesTotal) return c.bytesDone / c.bytesTotal;
  if (c.itemsTotal) return c.itemsDone / c.itemsTotal;
  if (job.status === 'ok') return 1;
  return undefined;
}

/** Done of total and the rate, in fixed-width fields so the bars of all jobs line up. */
function amounts(job: JobView): { done: string; rate: string } {
  const c = job.counts;
  const running = job.status === 'running';
  if (c.bytesDone > 0 || c.bytesTotal) {
    const done = `${formatBytesShort(c.bytesDone)}/${c.bytesTotal ? formatBytesShort(c.bytesTotal) : '?'}`;
    return { done, rate: running ? `${formatBytesShort(job.bytesPerSecond)}/s` : '' };
  }
  const done = `${formatCount(c.itemsDone)}/${c.itemsTotal !== undefined ? formatCount(c.itemsTotal) : '?'}`;
  return { done, rate: running ? `${job.itemsPerSecond.toFixed(0)}/s` : '' };
}

export function barText(fraction: number | undefined, width: number, tick: number, theme: Theme): string {
  const { barFull, barEmpty } = theme.glyph;
  if (fraction === undefined) {
    const block = Math.max(1, Math.floor(width / 5));
    const at = tick % Math.max(1, width - block + 1);
    return barEmpty.repeat(at) + barFull.repeat(block) + barEmpty.repeat(width - at - block);
  }
  const full = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return barFull.repeat(full) + barEmpty.repeat(width - full);
}

export function ProgressBar({ job, width, theme }: { job: JobView; width: number; theme: Theme }) {
  const status = STATUS[job.status];
  const fraction = fractionOf(job);
  const tick = useTick(job.status === 'running' && fraction === undefined);
  const head = `${fit(theme.glyph[status.glyph], 2)}${fit(status.word, 9)} ${fit(job.title, 14)} `;
  const pct = fraction === undefined ? '   ?' : formatPercent(fraction).padStart(4);
  const { done, rate } = amounts(job);
  const eta = job.status === 'running' ? `ETA ${formatDuration(job.eta)}` : '';
  const tail = ` ${pct} ${fit(done, 11)} ${fit(rate, 8)} ${fit(eta, 9)}`;
  const barWidth = Math.max(6, Math.min(40, width - head.length - tail.length - 2));
  return (
    <Text wrap="truncate" color={status.level ? theme[status.level] : undefined}>
      {`${head}[${barText(fraction, barWidth, tick, theme)}]${tail}`.trimEnd()}
    </Text>
  );
}
