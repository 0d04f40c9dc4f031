// One async mutex per conversation: the receive path and the outbox both read
// and write a conversation's group state, and an outbox job holds it across its
// network round trip (create a commit → send → merge), so neither ever works
// from a state the other has moved on from.

export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, fn: () => Promise<T> | T): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = prev.then(() => mine);
    this.tails.set(key, tail);
    await prev;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  isBusy(key: string): boolean {
    return this.tails.has(key);
  }

  /** Resolves when no key is held or waited for (work queued meanwhile included), or after `maxMs`. */
  async idle(maxMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((r) => {
      timer = setTimeout(r, maxMs);
      timer.unref();
    });
    let expired = false;
    void late.then(() => (expired = true));
    try {
      while (this.tails.size > 0 && !expired) await Promise.race([Promise.allSettled([...this.tails.values()]), late]);
    } finally {
      clearTimeout(timer);
    }
  }
}
