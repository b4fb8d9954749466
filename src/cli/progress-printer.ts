import { deadlineText } from '../engine/deadline.ts';
import type { JobEvent } from '../engine/jobs/events.ts';
import { JobProgressTracker, type JobProgress } from '../engine/jobs/progress.ts';
import { formatBytes, formatCount, formatDuration, formatPercent } from '../components/format.ts';

/** One line of a job's progress, the same words whether redrawn on a TTY or printed to a log. */
function describe(j: JobProgress): string {
  const { counts: c } = j;
  const parts: string[] = [];
  if (c.bytesTotal) parts.push(`${formatBytes(c.bytesDone)}/${formatBytes(c.bytesTotal)} ${formatPercent(c.bytesDone / c.bytesTotal)}`);
  else if (c.bytesDone) parts.push(formatBytes(c.bytesDone));
  if (c.itemsTotal) parts.push(`${formatCount(c.itemsDone)}/${formatCount(c.itemsTotal)} items`);
  else if (c.itemsDone) parts.push(`${formatCount(c.itemsDone)} items`);
  if (j.status === 'running') {
    if (j.bytesPerSecond > 0) parts.push(`${formatBytes(j.bytesPerSecond)}/s`);
    if (j.eta !== undefined) parts.push(`ETA ${formatDuration(j.eta)}`);
  }
  return `${j.title.padEnd(22)} ${j.status.padEnd(9)} ${j.activity.padEnd(12).slice(0, 28)} ${parts.join('  ')}`.trimEnd();
}

/**
 * Prints job events for a person: on a TTY a block of one line per job, redrawn in place; in a
 * log one line per event (progress at most every few seconds per job).
 */
export class ProgressPrinter {
  private jobs = new JobProgressTracker();
  private drawn = 0;
  private lastLogged = new Map<string, number>();

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly tty: boolean,
    private readonly logIntervalMs = 5000,
  ) {}

  handle(e: JobEvent): void {
    const j = this.jobs.apply(e);
    if (!j) return;
    let line: string | undefined;
    switch (e.type) {
      case 'start':
        line = `${j.title}: started (each call to a server has ${deadlineText()} to answer)`;
        break;
      case 'progress':
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
    const lines = this.jobs.all().map(describe);
    this.out.write(lines.join('\n') + '\n');
    this.drawn = lines.length;
  }

  /** Leaves the last drawn state on screen. */
  finish(): void {
    this.drawn = 0;
  }
}
