// The serving side of the contract: one function that takes an untrusted
// (command, args) pair from any transport, checks both against the table and
// calls the core's handler. It never throws: every failure becomes a typed
// error reply, so a bad caller cannot crash the core.

import { commands, isCommandName, type CommandArgs, type CommandName, type CommandResult } from './commands.js';
import { ContractError, toWireError, type WireError } from './errors.js';

export type Handlers = { readonly [K in CommandName]: (args: CommandArgs<K>) => Promise<CommandResult<K>> | CommandResult<K> };

export type Reply = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: WireError };

/** Checks the command name and its argument; returns them typed or throws ContractError. */
export function validateCall(command: unknown, args: unknown): { command: CommandName; args: unknown } {
  if (!isCommandName(command)) {
    const shown = typeof command === 'string' ? JSON.stringify(command.slice(0, 80)) : typeof command;
    throw new ContractError('unknown_command', `unknown command ${shown}`);
  }
  return { command, args: commands[command].parse(args, command) };
}

export function createDispatcher(handlers: Handlers, onInternalError?: (command: string, e: unknown) => void): (command: unknown, args: unknown) => Promise<Reply> {
  return async (command, args) => {
    let name = '?';
    try {
      const call = validateCall(command, args);
      name = call.command;
      const handler = handlers[call.command] as (a: unknown) => unknown;
      const result = await handler(call.args);
      return { ok: true, result: result === undefined ? null : result };
    } catch (e) {
      if (!(e instanceof ContractError)) onInternalError?.(name, e);
      return { ok: false, error: toWireError(e) };
    }
  };
}
