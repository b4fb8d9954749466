import { createContext, useContext } from 'react';

/**
 * The clock ages are shown against ("3m ago"). It comes from the services, so tests fix it and a
 * screen reads the same on any date.
 */
export const ClockContext = createContext<() => number>(Date.now);

export function useClock(): () => number {
  return useContext(ClockContext);
}
