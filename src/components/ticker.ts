import { useSyncExternalStore } from 'react';

// One app-wide ticker for everything that animates (indeterminate bars): a single setInterval
// that runs only while something shows an animation, at ~2 Hz (faster redraws make tmux flicker
// and clear selections in other panes).

const INTERVAL_MS = 500;
let tick = 0;
let timer: ReturnType<typeof setInterval> | undefined;
const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (!timer) {
    timer = setInterval(() => {
      tick++;
      for (const l of listeners) l();
    }, INTERVAL_MS);
    timer.unref?.();
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

const read = () => tick;
const still = () => () => {};

/** The shared tick count; `active` false reads it without keeping the timer alive. */
export function useTick(active: boolean): number {
  return useSyncExternalStore(active ? subscribe : still, read, read);
}
