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
  // One lane per request slot, driven by callbacks: an answer's time is the next send's,
  // so each request costs one clock read and no promise.
  const lane = (client: McpClient) => {
    let sentAt = performance.now();
    const done = (error: string | undefined) => {
      const now = performance.now();
      outstanding--;
      tally.record(sentAt, now, error);
      // A broken connection answers at once; do not spin on it.
      if (now >= window.to || error === "closed" || error === "connection closed") return;
      sentAt = now;
      outstanding++;
      client.send(request, done);
    };
    outstanding++;
    client.send(request, done);
  };
  for (const client of clients) for (let i = 0; i < inflight; i++) lane(client);
  await sleepUntil(window.to);
  await drain(() => outstanding, window.to + GRACE_MS);
  tally.fail("unanswered", outstanding);
  return tally.toTally();
}
