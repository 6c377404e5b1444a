/**
 * Session churn: `concurrency` loops, each opening a fresh connection and 2025 session,
 * making one tools/call and closing it (DELETE on HTTP). Latency is the whole iteration; the
 * harness checks the server's session count and heap return to where they started.
 */
import { openClient, type ClientSpec } from "../client.ts";
import { prepare } from "../mcp.ts";
import type { Tally } from "../protocol.ts";
import { Tallier } from "../tally.ts";
import { sleepUntil, type Window } from "./schedule.ts";

/** Runs churn loops until `iterations` have started or the window ends. */
export async function runChurn(spec: ClientSpec, concurrency: number, iterations: number, window: Window): Promise<Tally> {
  const tally = new Tallier(window.from, window.to);
  const call = prepare("call", spec.era);
  await sleepUntil(window.start);
  let started = 0;
  const lane = async () => {
    while (started < iterations && performance.now() < window.to) {
      started++;
      const sentAt = performance.now();
      let error: string | undefined;
      try {
        const client = await openClient(spec);
        error = await client.call(call);
        await client.end();
      } catch (e) {
        error = `open: ${(e instanceof Error ? e.message : String(e)).slice(0, 60)}`;
      }
      tally.record(sentAt, performance.now(), error);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  // The window is how long the churn took, so throughput is iterations per second.
  return { ...tally.toTally(), windowMs: performance.now() - window.from };
}
