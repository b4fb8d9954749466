import { useLayoutEffect } from 'react';
import type { KeyCommand } from '../components/keys.ts';

// One owner of stdin: the shell reads every key and resolves it through the registry, then offers
// the command to the screen in front through this slot before acting on it itself.

export type CommandHandler = (command: KeyCommand) => boolean;
export interface CommandSlot {
  current: CommandHandler | null;
}

/** Puts the screen's handler in the slot while the screen is mounted. */
export function useCommandHandler(slot: CommandSlot, handler: CommandHandler): void {
  useLayoutEffect(() => {
    slot.current = handler;
    return () => {
      if (slot.current === handler) slot.current = null;
    };
  });
}
