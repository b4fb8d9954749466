import { deadlineText } from '../engine/deadline.ts';
import type { JobEvent } from '../engine/jobs/events.ts';
import { RateMeter, etaSeconds } from '../engine/jobs/rate.ts';
import { formatBytes, formatCount, formatDuration, formatPercent } from '../components/format.ts';

interface JobLine {
  title: string;
  phase: string;
  status: string;
  bytesDone: number;
  bytesTotal?: number;
  itemsDone: number;
  itemsTotal?: number;
  bytes: RateMeter;
  items: RateMeter;
}

/** One line of a job's progress, the same words whether redrawn on a TTY or printed to a log. */
function describe(j: JobLine): string {
  const parts: string[] = [];
  if (j.bytesTotal) parts.push(`${formatBytes(j.bytesDone)}/${formatBytes(j.bytesTotal)} ${formatPercent(j.bytesDone / j.bytesTotal)}`);
  else if (j.bytesDone) parts.push(formatBytes(j.bytesDone));
  if (j.itemsTotal) parts.push(`${formatCount(j.itemsDone)}/${formatCount(j.itemsTotal)} items`);
  else if (j.itemsDone) parts.push(`${formatCount(j.itemsDone)} items`);
  if (j.status === 'running') {
    if (j.bytes.perSecond > 0) parts.push(`${formatBytes(j.bytes.perSecond)}/s`);
    const eta = etaSeconds(j, j.bytes.perSecond, j.items.perSecond);
    if (eta !== undefined) parts.push(`ETA ${formatDuration(eta)}`);
  }
  return `${j.title.padEnd(22)} ${j.status.padEnd(9)} ${j.phase.padEnd(12).slice(0, 28)} ${parts.join('  ')}`.trimEnd();
}

/**
 * Prints job events for a person: on a TTY a block of one line per job, redrawn in place; in a
 * log one line per event (progress at most every few seconds per job).
 */
export class ProgressPrinter {
  private jobs = new Map<string, JobLine>();
  private drawn = 0;
  private lastLogged = new Map<string, number>();

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly tty: boolean,
    private readonly logIntervalMs = 5000,
  ) {}

  handle(e: JobEvent): void {
    let j = this.jobs.get(e.job);
    if (e.type === 'start') {
      j = { title: e.title, phase: 'starting', status: 'running', bytesDone: 0, itemsDone: 0, bytes: new RateMeter(), items: new RateMeter() };
      this.jobs.set(e.job, j);
      j.bytes.sample(e.at, 0);
      j.items.sample(e.at, 0);
    }
    if (!j) return;
    let line: string | undefined;
    switch (e.type) {
      case 'start':
        line = `${j.title}: started (each call to a server has ${deadlineText()} to answer)`;
        break;
      case 'progress':
        Object.assign(j, { phase: e.phase, bytesDone: e.bytesDone, bytesTotal: e.bytesTotal, itemsDone: e.itemsDone, itemsTotal: e.itemsTotal });
        j.bytes.sample(e.at, e.bytesDone);
        j.items.sample(e.at, e.itemsDone);
        if (e.at - (this.lastLogged.get(e.job) ?? 0) >= this.logIntervalMs) {
          this.lastLogged.set(e.job, e.at);
          line = describe(j);
        }
        break;
      case 'warning':
        line = `${j.title}: warning: ${e.message}`;
        break;
      case 'retry':
        line = `${j.title}: retrying after ${e.reason} (attempt ${e.attempt}, in ${Math.round(e.delayMs)} ms)`;
        break;
      case 'end':
        j.status = e.status;
        Object.assign(j, e.counts);
        line = `${j.title}: ${e.status}${e.error ? `: ${e.error}` : ''}`;
        break;
    }
    if (this.tty) {
      if (e.type === 'warning' || e.type === 'retry' || (e.type === 'end' && e.status === 'failed')) this.above(line!);
      this.redraw();
    } else if (line) this.out.write(line + '\n');
  }

  /** Prints a line above the live block. */
  private above(line: string): void {
    this.clear();
    this.out.write(line + '\n');
  }

  private clear(): void {
    if (this.drawn) this.out.write(`\x1b[${this.drawn}A\x1b[J`);
    this.drawn = 0;
  }

  private redraw(): void {
    this.clear();
    const lines = [...this.jobs.values()].map(describe);
    this.out.write(lines.join('\n') + '\n');
    this.drawn = lines.length;
  }

  /** Leaves the last drawn state on screen. */
  finish(): void {
    this.drawn = 0;
  }
}
