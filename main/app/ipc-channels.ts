// IPC channel names shared by Electron main and the preload: one channel per
// contract command, one for all events.

import type { CommandName } from '../contract/index.js';

export const COMMAND_CHANNEL_PREFIX = 'arbor:call:';
export const EVENT_CHANNEL = 'arbor:event';

export function commandChannel(command: CommandName): string {
  return `${COMMAND_CHANNEL_PREFIX}${command}`;
}
