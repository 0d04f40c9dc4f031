// The client's side of the server's per-connection rate limit (§8: every frame
// costs a token). Pacing here means a burst of requests (a catch-up over many
// groups) waits a little instead of being refused with `rate_limited`.

import type { Clock } from './clock.js';

export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly clock: Clock,
    private readonly capacity: number,
    private readonly perSecond: number,
  ) {
    this.tokens = capacity;
    this.at = clock.now();
  }

  private refill(): void {
    const t = this.clock.now();
    this.tokens = Math.min(this.capacity, this.tokens + (Math.max(0, t - this.at) / 1000) * this.perSecond);
    this.at = t;
  }

  /** Milliseconds until a token is available; 0 when one is. */
  waitMs(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1000) / this.perSecond);
  }

  take(): void {
    this.refill();
    this.tokens -= 1;
  }
}
