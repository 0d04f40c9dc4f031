// The contract over Electron IPC, main side. Generated from the contract's
// table: one ipcMain.handle per command. Each handler checks the sender frame,
// validates the argument with the contract's own validateCall, forwards the
// call to the core and answers a Reply ({ ok, result } or { ok: false, error }).
// A handler never throws, so nothing a page sends can crash main or reach the
// core unchecked. Events go to every window with webContents.send.

import { COMMAND_NAMES, EVENT_NAMES, ContractError, toWireError, validateCall, type ArborApi, type CommandName, type EventName, type Reply } from '../contract/index.js';
import { commandChannel, EVENT_CHANNEL } from './ipc-channels.js';
import type { FrameLike } from './sender.js';

/** The part of an IpcMainInvokeEvent the binding reads. */
export interface InvokeEventLike {
  readonly senderFrame: FrameLike | null;
  readonly sender?: { readonly id: number };
}

/** The part of Electron's ipcMain the binding uses. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

export interface BindOptions {
  /** Whether this event's sender may use the contract (frame origin, main frame, known window). */
  readonly isAllowed: (event: InvokeEventLike) => boolean;
  /** Told about refused calls (for a log line); never about the arguments' content. */
  readonly onRefused?: (command: CommandName, code: string) => void;
}

type Invoke = (command: CommandName, args: unknown) => Promise<unknown>;

/** Registers one handler per contract command; returns the function that removes them all. */
export function bindContract(ipcMain: IpcMainLike, api: ArborApi, opts: BindOptions): () => void {
  const invoke = api.invoke.bind(api) as unknown as Invoke;
  for (const name of COMMAND_NAMES) {
    ipcMain.handle(commandChannel(name), async (event, ...rest): Promise<Reply> => {
      try {
        if (!safeAllowed(opts.isAllowed, event)) throw new ContractError('forbidden', `${name}: not allowed from this frame`);
        if (rest.length > 1) throw new ContractError('bad_argument', `${name}: expected one argument, got ${rest.length}`);
        const call = validateCall(name, rest[0]);
        return { ok: true, result: (await invoke(call.command, call.args)) ?? null };
      } catch (e) {
        const error = toWireError(e);
        if (error.code === 'forbidden' || error.code === 'bad_argument') opts.onRefused?.(name, error.code);
        return { ok: false, error };
      }
    });
  }
  return () => {
    for (const name of COMMAND_NAMES) ipcMain.removeHandler(commandChannel(name));
  };
}

function safeAllowed(check: (event: InvokeEventLike) => boolean, event: InvokeEventLike): boolean {
  try {
    return check(event) === true;
  } catch {
    return false;
  }
}

/** Forwards every contract event to `send(EVENT_CHANNEL, name, payload)`; returns the unsubscribe function. */
export function forwardEvents(api: ArborApi, send: (channel: string, event: EventName, payload: unknown) => void): () => void {
  const offs = EVENT_NAMES.map((name) =>
    api.on(name, (payload) => {
      try {
        send(EVENT_CHANNEL, name, payload);
      } catch {
        // A window closing while an event is on its way: nothing to tell.
      }
    }),
  );
  return () => {
    for (const off of offs) off();
  };
}
