/**
 * Closed loop: every connection keeps `inflight` requests outstanding and sends the next the
 * moment one is answered. Measures the most a server answers at that concurrency; its
 * latencies are the server's service time under that load (not the open-loop kind).
 */
import type { McpClient } from "../client.ts";
import type { Prepared } from "../mcp.ts";
import type { Tally } from "../protocol.ts";
import { Tallier } from "../tally.ts";
import { drain, GRACE_MS, sleepUntil, type Window } from "./schedule.ts";

/** Runs the closed loop over `window`. */
export async function runClosed(clients: McpClient[], request: Prepared, inflight: number, window: Window): Promise<Tally> {
  const tally = new Tallier(window.from, window.to);
  let outstanding = 0;
  await sleepUntil(window.start);
  const lane = async (client: McpClient) => {
    while (performance.now() < window.to) {
      const sentAt = performance.now();
      outstanding++;
      const error = await client.call(request);
      outstanding--;
      tally.record(sentAt, performance.now(), error);
      // A broken connection answers at once; do not spin on it.
      if (error === "closed" || error === "connection closed") return;
    }
  };
  const lanes = Promise.all(clients.flatMap((c) => Array.from({ length: inflight }, () => lane(c))));
  await Promise.race([lanes, sleepUntil(window.to + GRACE_MS)]);
  await drain(() => outstanding, window.to + GRACE_MS);
  tally.fail("unanswered", outstanding);
  return tally.toTally();
}
