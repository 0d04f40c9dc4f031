// The preload's `window.arbor`, built from the contract's table: `invoke` for
// exactly the contract's commands (each an ipcRenderer.invoke on its own
// channel) and `on` for its events. Nothing else crosses: `on` hands the page
// the event's payload only, never the IPC event or ipcRenderer.
//
// Errors: the context bridge copies an Error's message only, so a refusal is
// rejected as a plain { name, code, message } object, which it copies whole.

import { COMMAND_NAMES, EventHub, isCommandName, isErrorCode, isEventName, type CommandName, type EventName, type EventPayloads } from '../main/contract/index.js';
import { commandChannel, EVENT_CHANNEL } from '../main/app/ipc-channels.js';

/** The part of ipcRenderer the preload uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export interface BridgeError {
  readonly name: 'ContractError';
  readonly code: string;
  readonly message: string;
}

export interface PreloadApi {
  invoke(command: unknown, args?: unknown): Promise<unknown>;
  on(event: unknown, listener: unknown): () => void;
}

function refusal(code: string, message: string): BridgeError {
  return Object.freeze({ name: 'ContractError', code, message });
}

export function createPreloadApi(ipc: IpcRendererLike): PreloadApi {
  const channels = new Map<CommandName, string>(COMMAND_NAMES.map((n) => [n, commandChannel(n)]));
  const hub = new EventHub();
  let listening = false;

  return Object.freeze({
    async invoke(command: unknown, args?: unknown): Promise<unknown> {
      if (!isCommandName(command)) {
        const shown = typeof command === 'string' ? JSON.stringify(command.slice(0, 80)) : typeof command;
        throw refusal('unknown_command', `unknown command ${shown}`);
      }
      let reply: unknown;
      try {
        reply = await ipc.invoke(channels.get(command)!, args);
      } catch (e) {
        throw refusal('unavailable', `${command}: ${e instanceof Error ? e.message : String(e)}`);
      }
      const r = reply as { ok?: unknown; result?: unknown; error?: { code?: unknown; message?: unknown } } | null;
      if (r !== null && typeof r === 'object' && r.ok === true) return r.result;
      const code = r?.error?.code;
      const message = r?.error?.message;
      throw refusal(isErrorCode(code) ? code : 'internal', typeof message === 'string' ? message : `${command}: malformed reply`);
    },
    on(event: unknown, listener: unknown): () => void {
      if (!isEventName(event)) throw refusal('unknown_command', `unknown event ${typeof event === 'string' ? JSON.stringify(event.slice(0, 80)) : typeof event}`);
      if (typeof listener !== 'function') throw refusal('bad_argument', 'listener must be a function');
      if (!listening) {
        listening = true;
        // The IPC event (first argument) stays here; the page gets the payload alone.
        ipc.on(EVENT_CHANNEL, (_ipcEvent: unknown, name: unknown, payload: unknown) => {
          if (typeof name === 'string') hub.emit(name, payload);
        });
      }
      const off = hub.on(event, (payload: EventPayloads[EventName]) => (listener as (p: unknown) => void)(payload));
      return () => off();
    },
  });
}
