import type { Revocations } from "./revocations.ts";

/** What the memory store is made with. */
export interface MemoryRevocationsOptions {
  /** Most revocations held (stores.maxRevocations); past it the oldest is folded into the floor. 0: unbounded. */
  maxEntries?: number;
  /** Told each time a revocation is folded into the floor (metrics). */
  onFold?: () => void;
}

/** Revocations held when none is configured (stores.maxRevocations): ~55 bytes each, ~27 MB at most. */
export const DEFAULT_MAX_REVOCATIONS = 500_000;

/**
 * Revocations in this process's memory. Each shard holds its own, filled by its own DELETEs
 * and by the bus's session-ended events, until the id would have expired anyway (swept by the
 * endpoint's idle sweep).
 *
 * Compact: an id (a sealed token of ~150 characters) is held as a 52-bit hash, one number, so
 * an entry costs ~55 bytes instead of ~340. A revoked id always finds its own hash; two ids
 * sharing one only makes the other look revoked too (a 404, never a revival), and at 500,000
 * entries that is one chance in ~9 billion per lookup.
 *
 * Bounded, failing closed: past `maxEntries` the oldest revocation is forgotten and its expiry
 * raises a floor; from then on an id is also treated as revoked when it expires no later than
 * the floor (`isRevoked`'s `expiresAt`). Every forgotten id expires by the floor, so none comes
 * back. What the bound trades: live sessions issued before the forgotten ones (so expiring
 * earlier) can no longer be brought back from their ids on a shard that holds no copy; they
 * get 404 and start again. With the default that happens only past 500,000 deletions within
 * http.sessionMaxAgeMs (about 6 a second for 24 hours).
 */
export class MemoryRevocations implements Revocations {
  /** Hash of the id → when it expires (epoch ms), in insertion order (oldest first). */
  private readonly until = new Map<number, number>();
  /** Every forgotten revocation expires at or before this (epoch ms). */
  private floor = 0;

  constructor(private readonly opts: MemoryRevocationsOptions = {}) {}

  revoke(id: string, untilMs: number): void {
    const key = keyOf(id);
    const known = this.until.get(key);
    if (known !== undefined && known >= untilMs) return;
    this.until.set(key, untilMs);
    const max = this.opts.maxEntries ?? 0;
    if (max > 0 && this.until.size > max) this.foldOldest();
  }

  isRevoked(id: string, now: number, expiresAt?: number): boolean {
    const until = this.until.get(keyOf(id));
    if (until !== undefined && until >= now) return true;
    return expiresAt !== undefined && expiresAt >= now && expiresAt <= this.floor;
  }

  sweep(now: number): void {
    for (const [key, until] of this.until) if (until < now) this.until.delete(key);
  }

  close(): void {
    this.until.clear();
  }

  /** Revocations held (the stores.maxRevocations bound applies to it), for the gauge and leak tests. */
  get size(): number {
    return this.until.size;
  }

  private foldOldest(): void {
    const [key, until] = this.until.entries().next().value!;
    this.until.delete(key);
    if (until > this.floor) this.floor = until;
    this.opts.onFold?.();
  }
}

/** A 52-bit hash of an id: a number, exactly, so the map holds no string and no bigint. */
function keyOf(id: string): number {
  return Number(BigInt.asUintN(52, BigInt(Bun.hash(id))));
}
