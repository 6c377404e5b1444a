/**
 * Counts what happened in a measured window: successes, failures by kind, and a latency
 * histogram. A sample counts when it was sent (or, open loop, due) inside [from, to), however
 * late its answer: dropping late answers would hide exactly the slow ones.
 */
import { Histogram } from "./histogram.ts";
import type { Tally } from "./protocol.ts";

/** A window's counter. Times are performance.now() ms of this process. */
export class Tallier {
  readonly histogram = new Histogram();
  ok = 0;
  readonly errors: Record<string, number> = {};
  /** Set by toTally: answers that straggle in after the report must not change it. */
  private sealed = false;

  constructor(
    private readonly from: number,
    private readonly to: number,
  ) {}

  /** Records one request sent (or due) at `sentAt` and answered at `doneAt`. */
  record(sentAt: number, doneAt: number, error: string | undefined): void {
    if (this.sealed || sentAt < this.from || sentAt >= this.to) return;
    if (error) this.errors[error] = (this.errors[error] ?? 0) + 1;
    else this.ok++, this.histogram.recordMs(doneAt - sentAt);
  }

  /** Counts failures with no latency (connections that never opened, answers that never came). */
  fail(kind: string, count = 1): void {
    if (count > 0) this.errors[kind] = (this.errors[kind] ?? 0) + count;
  }

  /** Whether `at` lies in the window. */
  inWindow(at: number): boolean {
    return at >= this.from && at < this.to;
  }

  toTally(): Tally {
    this.sealed = true;
    return { ok: this.ok, errors: this.errors, latency: this.histogram.toJSON(), windowMs: this.to - this.from };
  }
}

/** Adds error maps. */
export function addErrors(into: Record<string, number>, from: Record<string, number>): Record<string, number> {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
  return into;
}
