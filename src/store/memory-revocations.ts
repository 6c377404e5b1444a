import type { Revocations } from "./revocations.ts";

/**
 * Revocations in this process's memory: one map entry per ended id until it expires (swept
 * by the endpoint's idle sweep). Each shard holds its own, filled by its own DELETEs and by
 * the bus's session-ended events.
 */
export class MemoryRevocations implements Revocations {
  private readonly until = new Map<string, number>();

  revoke(id: string, untilMs: number): void {
    const known = this.until.get(id);
    if (known === undefined || known < untilMs) this.until.set(id, untilMs);
  }

  isRevoked(id: string, now: number): boolean {
    const until = this.until.get(id);
    return until !== undefined && until >= now;
  }

  sweep(now: number): void {
    for (const [id, until] of this.until) if (until < now) this.until.delete(id);
  }

  close(): void {
    this.until.clear();
  }

  /** Ids held, for leak tests. */
  get size(): number {
    return this.until.size;
  }
}
