import type { Command } from '../command.ts';
import { backupCommand } from './backup.ts';
import { imageCommand } from './image.ts';
import { infoCommand } from './info.ts';
import { clusterCommands } from './install.ts';
import { scheduleCommand } from './schedule.ts';
import { alertsCommand } from './alerts.ts';
import { maintenanceCommand } from './maintenance.ts';
import { inventoryCommand } from './inventory.ts';
import { labCommand } from './lab.ts';
import { repoCommand } from './repo.ts';
import { restoreCommand } from './restore.ts';
import { snapshotsCommand } from './snapshots.ts';

// Every subcommand of `lifeboat`, in the order --help lists them.
export const commands: Command[] = [infoCommand, inventoryCommand, backupCommand, restoreCommand, labCommand, repoCommand, snapshotsCommand, imageCommand, ...clusterCommands, scheduleCommand, maintenanceCommand, alertsCommand];
