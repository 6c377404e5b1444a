/**
 * Connections in parallel for the transports where the fuzzer opens its own (TCP, WebSocket,
 * legacy SSE): a batch is spread over `width` lanes, each lane opens a connection, pipelines up
 * to `perConnection` inputs down it (fewer when the server ends it), and hands it over to finish
 * in the background (the sentinel, the owed answers, the close) while the lane opens the next.
 * The number of connections finishing at once is bounded; close() waits for all of them.
 */

/** One connection's run: how many inputs went out, and the promise of its checks and close. */
export interface LaneRun {
  sent: number;
  finished: Promise<void>;
}

/** Runs batches over parallel connections opened by `connect(budget)`. */
export class Lanes {
  private readonly finishing = new Set<Promise<void>>();

  constructor(
    private readonly width: number,
    private readonly perConnection: number,
    private readonly connect: (budget: number) => Promise<LaneRun>,
    /** How many connections may still be finishing before a lane waits for one. */
    private readonly maxFinishing = width * 4,
  ) {}

  /** Sends n inputs over the lanes; resolves with how many went out. */
  async batch(n: number): Promise<number> {
    let unclaimed = n;
    let sent = 0;
    let fruitless = 0;
    const lane = async () => {
      // A server that takes no input on several connections in a row is not going to take more this batch.
      while (unclaimed > 0 && fruitless < 3) {
        const budget = Math.min(this.perConnection, unclaimed);
        unclaimed -= budget;
        const run = await this.connect(budget);
        // Inputs a connection did not send (the server ended it) go back to the pool.
        unclaimed += budget - run.sent;
        sent += run.sent;
        fruitless = run.sent === 0 ? fruitless + 1 : 0;
        this.track(run.finished);
        while (this.finishing.size > this.maxFinishing) await Promise.race(this.finishing);
      }
    };
    await Promise.all(Array.from({ length: this.width }, lane));
    return sent;
  }

  /** Waits for every connection still finishing. */
  async drain(): Promise<void> {
    await Promise.all(this.finishing);
  }

  private track(p: Promise<void>): void {
    // A connection's checks report their own problems; a throw there must not end the run.
    const done = p.catch(() => undefined).finally(() => this.finishing.delete(done));
    this.finishing.add(done);
  }
}
