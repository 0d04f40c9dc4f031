// A small typed event emitter. Unlike node:events it has no special 'error'
// event that throws when nobody listens, and a listener that throws cannot
// break the emitter or the listeners after it: the error goes to `onListenerError`.

// An interface of event name → payload type (interfaces have no index signature, hence `object`).
export type EventMap = object;

export class Emitter<M extends EventMap> {
  private readonly listeners = new Map<keyof M, Set<(value: never) => void>>();

  constructor(private readonly onListenerError: (event: string, err: unknown) => void) {}

  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof M>(event: K, listener: (value: M[K]) => void): () => void {
    let set = this.listeners.get(event);
    if (set === undefined) this.listeners.set(event, (set = new Set()));
    set.add(listener as (value: never) => void);
    return () => this.off(event, listener);
  }

  off<K extends keyof M>(event: K, listener: (value: M[K]) => void): void {
    this.listeners.get(event)?.delete(listener as (value: never) => void);
  }

  emit<K extends keyof M>(event: K, value: M[K]): void {
    const set = this.listeners.get(event);
    if (set === undefined) return;
    for (const l of [...set]) {
      try {
        const r: unknown = (l as (value: M[K]) => unknown)(value);
        // An async listener's rejection would otherwise be an unhandled rejection, which ends the process.
        if (r instanceof Promise) r.catch((err: unknown) => this.onListenerError(String(event), err));
      } catch (err) {
        this.onListenerError(String(event), err);
      }
    }
  }
}
