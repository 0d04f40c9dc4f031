// Reconnect delays: capped exponential backoff with full jitter
// (delay uniform in [0, min(cap, base * 2^attempt)) ), so that many clients
// cut off by one server restart do not all come back in the same instant.

import { MAX_TIMER_MS } from './clock.js';
import { DsArgumentError } from './errors.js';

export interface BackoffPolicy {
  /** Ceiling of the first delay, ms (default 500). */
  readonly baseMs: number;
  /** Largest ceiling, ms (default 30 000). */
  readonly capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, capMs: 30_000 };

export function checkBackoff(p: BackoffPolicy): BackoffPolicy {
  const ok = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= MAX_TIMER_MS;
  if (!ok(p.baseMs) || !ok(p.capMs) || p.capMs < p.baseMs) throw new DsArgumentError(`backoff: expected 0 <= baseMs <= capMs <= ${MAX_TIMER_MS}`);
  return p;
}

/** The delay before retry number `attempt` (0 for the first retry after a failure); `random` returns [0, 1). */
export function backoffDelay(attempt: number, p: BackoffPolicy, random: () => number = Math.random): number {
  // 2^30 already exceeds any sane cap; the clamp keeps the arithmetic finite.
  const ceiling = Math.min(p.capMs, p.baseMs * 2 ** Math.min(Math.max(0, attempt), 30));
  const r = random();
  const unit = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 0.5;
  return Math.floor(unit * ceiling);
}

/**
 * The delay before retry number `attempt`: the backoff, but never sooner than
 * a `rate_limited` refusal's `retryAfterMs`, when given, plus a little jitter
 * (up to a tenth of it, at most 1 s), as docs/protocol.md §5.6 asks of clients.
 */
export function retryDelay(attempt: number, p: BackoffPolicy, random: () => number = Math.random, retryAfterMs?: number): number {
  const backoff = backoffDelay(attempt, p, random);
  if (retryAfterMs === undefined || !Number.isFinite(retryAfterMs) || retryAfterMs <= 0) return backoff;
  const r = random();
  const unit = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 0.5;
  const wait = retryAfterMs + Math.floor(unit * Math.min(1000, retryAfterMs / 10));
  return Math.min(MAX_TIMER_MS, Math.max(backoff, wait));
}
