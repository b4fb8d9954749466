import type { Command } from '../command.ts';
import { infoCommand } from './info.ts';
import { labCommand } from './lab.ts';

// Every subcommand of `lifeboat`, in the order --help lists them.
export const commands: Command[] = [infoCommand, labCommand];
