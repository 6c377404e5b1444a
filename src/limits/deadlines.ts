import { plainEvery, type Every } from "../supervisor/loops.ts";

/**
 * Request deadlines without a timer per request: deadlines fall into one-second buckets and
 * one interval expires the due buckets. Adding and removing are O(1); the cost of a deadline
 * that is met is a Set insertion and deletion. The clock is monotonic (performance.now()):
 * a wall clock set forward would expire every request in flight at once, set back it would
 * hold them past their limit.
 */
export class Deadlines<T> {
  private readonly buckets = new Map<number, Set<T>>();
  private readonly stopLoop: () => void;

  constructor(
    private readonly onExpire: (item: T) => void,
    every: Every = plainEvery,
  ) {
    this.stopLoop = every("limits.requestTimeoutMs deadlines", 250, () => this.expire(performance.now()));
  }

  /** Watches `item` until `afterMs` from now; returns the function that stops watching it. */
  add(item: T, afterMs: number): () => void {
    const second = Math.ceil((performance.now() + afterMs) / 1000);
    let set = this.buckets.get(second);
    if (!set) this.buckets.set(second, (set = new Set()));
    set.add(item);
    return () => {
      set.delete(item);
    };
  }

  private expire(now: number): void {
    const due = Math.floor(now / 1000);
    for (const [second, set] of this.buckets) {
      if (second > due) continue;
      this.buckets.delete(second);
      for (const item of set) this.onExpire(item);
    }
  }

  stop(): void {
    this.stopLoop();
    this.buckets.clear();
  }
}
