import type { Principal } from "./principal.ts";

/**
 * Verified bearer tokens, keyed by the SHA-256 of the token (the token itself is never kept,
 * so a heap dump holds no usable credential), each until its `exp`. A least-recently-used
 * bound (auth.tokenCacheSize) keeps memory fixed whatever callers send: a Map iterates in
 * insertion order, so a hit is moved to the end and the first key is the oldest.
 */
export class TokenCache {
  private readonly entries = new Map<string, { principal: Principal; expiresAtMs: number }>();
  hits = 0;
  misses = 0;

  constructor(private readonly max: number) {}

  /** The key of `token`: its SHA-256, base64 (one native call; no token text is kept). */
  static keyOf(token: string): string {
    return Bun.SHA256.hash(token, "base64");
  }

  /**
   * The principal a token verified as, while it has not expired at `nowMs`; an expired entry
   * is dropped, so the token is verified again (and rejected as expired, with the reason).
   */
  get(key: string, nowMs: number): Principal | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined || entry.expiresAtMs <= nowMs) {
      if (entry !== undefined) this.entries.delete(key);
      this.misses++;
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.hits++;
    return entry.principal;
  }

  /** Remembers a verified token until `expiresAtMs`, evicting the least recently used past the bound. */
  set(key: string, principal: Principal, expiresAtMs: number): void {
    if (this.max === 0) return;
    this.entries.delete(key);
    this.entries.set(key, { principal, expiresAtMs });
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }

  /** Tokens held now. */
  get size(): number {
    return this.entries.size;
  }
}
