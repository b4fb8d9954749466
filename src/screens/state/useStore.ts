import { useSyncExternalStore } from 'react';

/** Reads an external store (subscribe + getSnapshot) so React renders only when it publishes. */
export function useStore<T>(store: { subscribe(l: () => void): () => void; getSnapshot(): T }): T {
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}
