// How one attempt at an outbox job ended, and how a failed request to the
// delivery service is classified: refused for good, refused for now, or
// unknown (the request may have been executed: only a later read can tell).

import { DsDisconnected, DsFrameTooLarge, DsRequestError, DsStopped, DsTimeout, DsUnreachable } from '../net/errors.js';

export type JobOutcome =
  /** Finished (the job row is gone). */
  | { readonly kind: 'done' }
  /** Try again at `at` (backoff) with this error noted. */
  | { readonly kind: 'retry'; readonly error: string; readonly notBeforeMs?: number }
  /** The group moved on: catch up with the server, then run the job again at once. */
  | { readonly kind: 'stale' }
  /** Offline (or the outcome is unknown until the next catch-up): wait for the connection. */
  | { readonly kind: 'offline' };

export type DsFailure =
  | { readonly kind: 'refused'; readonly code: string; readonly reason: string }
  | { readonly kind: 'stale' }
  | { readonly kind: 'transient'; readonly reason: string; readonly retryAfterMs?: number }
  /** The request left this device; whether the server executed it is unknown. */
  | { readonly kind: 'unknown'; readonly reason: string }
  | { readonly kind: 'offline'; readonly reason: string };

const TRANSIENT = new Set(['rate_limited', 'internal', 'shutting_down', 'not_logged_in']);

export function classifyDsError(e: unknown): DsFailure {
  if (e instanceof DsRequestError) {
    if (e.code === 'stale_epoch') return { kind: 'stale' };
    if (TRANSIENT.has(e.code)) return { kind: 'transient', reason: `${e.code}: ${e.reason}`, ...(e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {}) };
    return { kind: 'refused', code: e.code, reason: e.reason };
  }
  if (e instanceof DsDisconnected || e instanceof DsTimeout) return e.sent ? { kind: 'unknown', reason: e.message } : { kind: 'offline', reason: e.message };
  if (e instanceof DsStopped || e instanceof DsUnreachable) return { kind: 'offline', reason: e.message };
  if (e instanceof DsFrameTooLarge) return { kind: 'refused', code: 'too_large', reason: e.message };
  throw e;
}
