// Time as the network layer sees it, injectable so that tests can control
// backoff and timeouts without sleeping. Timers are plain timers (not unref'd):
// while the client runs, its pending retries and timeouts are real work.

export type TimerHandle = unknown;

/** Node fires a timer of more than 2^31 - 1 ms at once; no delay or timeout may exceed this. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};
