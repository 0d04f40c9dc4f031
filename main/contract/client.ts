// The calling side of the contract, over any transport that moves wire
// messages (a worker's port, a WebSocket, Electron IPC wraps its own). The UI,
// the CLI, the demo and the tests all hold an ArborApi and nothing else.

import { isCommandName, type ArgsParam, type CommandName, type CommandResult } from './commands.js';
import { ContractError, fromWireError } from './errors.js';
import { isEventName, type EventName, type EventPayloads } from './events.js';
import { asFromCore, type CallMessage } from './wire.js';

export interface ArborApi {
  invoke<K extends CommandName>(command: K, ...args: ArgsParam<K>): Promise<CommandResult<K>>;
  /** Subscribes to one event; returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void;
}

export interface WirePort {
  send(message: CallMessage): void;
}

type Listener = (payload: unknown) => void;

/** Fans events out to listeners; a throwing listener does not stop the others. */
export class EventHub {
  private readonly listeners = new Map<EventName, Set<Listener>>();

  on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void {
    if (!isEventName(event)) throw new ContractError('unknown_command', `unknown event ${String(event)}`);
    if (typeof listener !== 'function') throw new ContractError('bad_argument', 'listener must be a function');
    let set = this.listeners.get(event);
    if (set === undefined) this.listeners.set(event, (set = new Set()));
    const l = listener as Listener;
    set.add(l);
    return () => void set.delete(l);
  }

  emit(event: string, payload: unknown): void {
    if (!isEventName(event)) return;
    for (const l of [...(this.listeners.get(event) ?? [])]) {
      try {
        l(payload);
      } catch (e) {
        queueMicrotask(() => {
          throw e;
        });
      }
    }
  }
}

export interface ContractClient extends ArborApi {
  /** Feed every message that arrives from the core here. */
  receive(message: unknown): void;
  /** Fails every outstanding call (the transport is gone). */
  close(reason: string): void;
}

export function createContractClient(port: WirePort): ContractClient {
  let nextId = 1;
  let closed: string | undefined;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const hub = new EventHub();
  return {
    invoke(command, ...rest) {
      if (closed !== undefined) return Promise.reject(new ContractError('unavailable', closed));
      if (!isCommandName(command)) return Promise.reject(new ContractError('unknown_command', `unknown command ${String(command)}`));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
        try {
          port.send({ type: 'call', id, command, args: rest[0] });
        } catch (e) {
          waiting.delete(id);
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      });
    },
    on: (event, listener) => hub.on(event, listener),
    receive(message) {
      const m = asFromCore(message);
      if (m === undefined) return;
      if (m.type === 'event') return hub.emit(m.event, m.payload);
      const w = waiting.get(m.id);
      if (w === undefined) return;
      waiting.delete(m.id);
      if (m.ok) w.resolve(m.result);
      else w.reject(fromWireError(m.error));
    },
    close(reason) {
      closed = reason;
      for (const w of waiting.values()) w.reject(new ContractError('unavailable', reason));
      waiting.clear();
    },
  };
}
