// Token buckets, alone and keyed (per address, per device, per claimer...).
// A keyed set holds at most `maxKeys` buckets: a full bucket is the same as no
// bucket, so when the map is full the full (idle) ones are dropped first, and
// failing that the oldest; an attacker cycling keys can only reset buckets to
// full, never grow memory.

export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    now: number,
  ) {
    if (!(ratePerSecond > 0) || !(burst >= 1)) throw new RangeError(`TokenBucket: rate ${ratePerSecond} and burst ${burst} must be positive`);
    this.tokens = burst;
    this.at = now;
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.burst, this.tokens + (Math.max(0, now - this.at) / 1000) * this.ratePerSecond);
    this.at = now;
  }

  /** Takes `n` tokens if there are; returns whether it did. */
  take(now: number, n = 1): boolean {
    this.refill(now);
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }

  /** Milliseconds until `n` tokens are there (0 when they are now). */
  waitMs(now: number, n = 1): number {
    this.refill(now);
    return this.tokens >= n ? 0 : Math.ceil(((n - this.tokens) / this.ratePerSecond) * 1000);
  }

  isFull(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }
}

export class KeyedBuckets {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    private readonly maxKeys = 100_000,
  ) {}

  private bucket(key: string, now: number): TokenBucket {
    let b = this.buckets.get(key);
    if (b === undefined) {
      if (this.buckets.size >= this.maxKeys) this.evict(now);
      b = new TokenBucket(this.ratePerSecond, this.burst, now);
      this.buckets.set(key, b);
    }
    return b;
  }

  private evict(now: number): void {
    for (const [k, b] of this.buckets) if (b.isFull(now)) this.buckets.delete(k);
    // Still full: the oldest tenth goes (their owners get a fresh burst, which is bounded by the bucket size).
    if (this.buckets.size >= this.maxKeys) {
      let n = Math.ceil(this.maxKeys / 10);
      for (const k of this.buckets.keys()) {
        if (n-- <= 0) break;
        this.buckets.delete(k);
      }
    }
  }

  take(key: string, now: number, n = 1): boolean {
    return this.bucket(key, now).take(now, n);
  }

  waitMs(key: string, now: number, n = 1): number {
    return this.buckets.get(key)?.waitMs(now, n) ?? 0;
  }

  get size(): number {
    return this.buckets.size;
  }
}

/**
 * At most `max` events per key per sliding `periodMs` (e.g. last-resort
 * KeyPackages handed to one claimer for one device). Bounded like KeyedBuckets.
 */
export class KeyedQuota {
  private readonly events = new Map<string, number[]>();

  constructor(
    readonly max: number,
    readonly periodMs: number,
    private readonly maxKeys = 100_000,
  ) {}

  private recent(key: string, now: number): number[] {
    const list = (this.events.get(key) ?? []).filter((t) => t > now - this.periodMs);
    if (list.length === 0) this.events.delete(key);
    else this.events.set(key, list);
    return list;
  }

  allowed(key: string, now: number): boolean {
    return this.recent(key, now).length < this.max;
  }

  record(key: string, now: number): void {
    const list = this.recent(key, now);
    if (list.length === 0 && this.events.size >= this.maxKeys) {
      // Forgetting the oldest keys only grants them their allowance again.
      const drop = Math.ceil(this.maxKeys / 10);
      let n = 0;
      for (const k of this.events.keys()) {
        if (n++ >= drop) break;
        this.events.delete(k);
      }
    }
    list.push(now);
    this.events.set(key, list);
  }
}
