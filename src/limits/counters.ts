/**
 * Concurrency counters: how many of something are open, in total and per key (an IP, a
 * tool). `acquire` either counts one more and returns its release, or refuses.
 */
export class Counters {
  private total = 0;
  private readonly byKey = new Map<string, number>();

  constructor(
    /** Most open in total; 0 means unlimited. */
    private readonly maxTotal: number,
    /** Most open per key; 0 means unlimited. */
    private readonly maxPerKey: number,
  ) {}

  /** A release function, or which bound refused. */
  acquire(key: string): (() => void) | "total" | "per-key" {
    if (this.maxTotal > 0 && this.total >= this.maxTotal) return "total";
    const n = this.byKey.get(key) ?? 0;
    if (this.maxPerKey > 0 && n >= this.maxPerKey) return "per-key";
    this.total++;
    this.byKey.set(key, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.byKey.get(key) ?? 1) - 1;
      if (left > 0) this.byKey.set(key, left);
      else this.byKey.delete(key);
    };
  }

  get open(): number {
    return this.total;
  }

  count(key: string): number {
    return this.byKey.get(key) ?? 0;
  }
}
