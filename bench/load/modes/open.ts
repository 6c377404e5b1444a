/**
 * Open loop at a fixed rate: request i is due at start + i/rate whether or not earlier ones
 * were answered, and its latency runs from that due time. A server that stalls is charged for
 * every request that should have gone out meanwhile (no coordinated omission; Gil Tene,
 * "How NOT to measure latency"). Requests go round-robin over the connections; on HTTP a busy
 * connection queues them, and the queueing counts as latency.
 */
import type { McpClient } from "../client.ts";
import type { Prepared } from "../mcp.ts";
import type { Tally } from "../protocol.ts";
import { Tallier } from "../tally.ts";
import { drain, GRACE_MS, sleepUntil, type Window } from "./schedule.ts";

/** Runs the open loop at `rate` requests/s over `window`. */
export async function runOpen(clients: McpClient[], request: Prepared, rate: number, window: Window): Promise<Tally> {
  const tally = new Tallier(window.from, window.to);
  const interval = 1000 / rate;
  let outstanding = 0;
  let next = window.start;
  let turn = 0;
  await sleepUntil(window.start);
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      for (; next <= now && next < window.to; next += interval) {
        const due = next;
        const counted = tally.inWindow(due);
        if (counted) outstanding++;
        void clients[turn++ % clients.length]!.call(request).then((error) => {
          if (counted) outstanding--;
          tally.record(due, performance.now(), error);
        });
      }
      if (next >= window.to) return resolve();
      setTimeout(tick, Math.max(0, next - performance.now()));
    };
    tick();
  });
  await drain(() => outstanding, window.to + GRACE_MS);
  tally.fail("unanswered", outstanding);
  return tally.toTally();
}
