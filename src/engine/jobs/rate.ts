import type { Counts } from './events.ts';

/**
 * Rate and ETA from progress samples: an exponentially weighted moving average, so a burst or a
 * stall moves the figure without making it jump about.
 */
export class RateMeter {
  private last?: { at: number; done: number };
  private rate = 0;
  constructor(private readonly halfLifeMs = 3000) {}

  /** Feeds a sample; returns the smoothed rate in units per second. */
  sample(at: number, done: number): number {
    if (!this.last) {
      this.last = { at, done };
      return this.rate;
    }
    const dt = at - this.last.at;
    if (dt <= 0) return this.rate;
    const instant = ((done - this.last.done) * 1000) / dt;
    const alpha = 1 - Math.pow(0.5, dt / this.halfLifeMs);
    this.rate = this.rate === 0 ? instant : this.rate + alpha * (instant - this.rate);
    this.last = { at, done };
    return this.rate;
  }

  get perSecond(): number {
    return this.rate;
  }
}

/** Seconds left, from counts and a rate; undefined when it cannot be known. */
export function etaSeconds(counts: Counts, bytesPerSecond: number, itemsPerSecond: number): number | undefined {
  if (counts.bytesTotal !== undefined && bytesPerSecond > 0) return Math.max(0, (counts.bytesTotal - counts.bytesDone) / bytesPerSecond);
  if (counts.itemsTotal !== undefined && itemsPerSecond > 0) return Math.max(0, (counts.itemsTotal - counts.itemsDone) / itemsPerSecond);
  return undefined;
}
