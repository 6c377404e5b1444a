/**
 * Token buckets, refilled lazily from the clock (no timers): `take` either spends a token
 * or says how long until one is available.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    /** Tokens added per second. */
    private readonly rate: number,
    /** Most tokens held (the burst). */
    private readonly burst: number,
    now = performance.now(),
  ) {
    this.tokens = burst;
    this.last = now;
  }

  /** Spends one token: 0 on success, else the ms until a token is due. */
  take(now = performance.now()): number {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.rate) / 1000);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) * 1000) / this.rate);
  }

  /** Tokens held at `now` and the ms until the bucket is full (nothing spent, nothing changed). */
  peek(now = performance.now()): { tokens: number; fullInMs: number } {
    const tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.rate) / 1000);
    return { tokens, fullInMs: ((this.burst - tokens) * 1000) / this.rate };
  }

  /** True when the bucket is full again (it can be forgotten). */
  idle(now = performance.now()): boolean {
    return this.tokens + ((now - this.last) * this.rate) / 1000 >= this.burst;
  }
}

/**
 * One bucket per key (a principal, a tool), created on demand. Full buckets are forgotten
 * by `sweep`, so memory follows the keys that are actually busy, never the ones ever seen.
 */
export class KeyedBuckets {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    /** Most keys tracked; past it the oldest are dropped (they start full again). */
    private readonly maxKeys = 100_000,
  ) {}

  /** 0 if `key` may proceed, else the ms to wait. A rate of 0 means unlimited. */
  take(key: string, at?: number): number {
    if (this.rate <= 0) return 0;
    // The clock is read only when a rate applies: this runs for every request.
    const now = at ?? performance.now();
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
      this.buckets.set(key, (b = new TokenBucket(this.rate, this.burst, now)));
    }
    return b.take(now);
  }

  /** The state of `key`'s bucket (a key with no bucket has a full one); nothing is created. */
  peek(key: string, now = performance.now()): { tokens: number; fullInMs: number } {
    return this.buckets.get(key)?.peek(now) ?? { tokens: this.burst, fullInMs: 0 };
  }

  /** Tokens added per second to each bucket (0: unlimited). */
  get ratePerSec(): number {
    return this.rate;
  }

  /** Most tokens a bucket holds. */
  get burstSize(): number {
    return this.burst;
  }

  sweep(now = performance.now()): void {
    for (const [k, b] of this.buckets) if (b.idle(now)) this.buckets.delete(k);
  }

  get size(): number {
    return this.buckets.size;
  }
}
