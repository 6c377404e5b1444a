/**
 * Clock jumps: the appliance's wall clock (only its own, through libfaketime) is set an hour
 * forward and back under load. Durations (request deadlines, session idleness) must not
 * notice; expiries that are instants (sealed session ids, 2026-07-28 requestState) follow
 * the wall clock, as they must across processes, and fail precisely.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "../../src/index.ts";
import { startAppliance } from "../lib/appliance.ts";
import { fakeClock, fakeTimeLibrary } from "../lib/faketime.ts";
import { classify, formatCounts, Ledger } from "../lib/ledger.ts";
import { startLoad, targetOf } from "../lib/load.ts";
import { check, type Scenario, type ScenarioResult } from "../lib/report.ts";

const TIMEOUT_MS = 2000;

/** The server's wall clock minus ours, from the Date header of /healthz (seconds). */
async function serverSkewSec(base: string): Promise<number> {
  // Bun refreshes its Date header once a second: wait for one refresh past the jump.
  await Bun.sleep(1100);
  const r = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(5000) });
  await r.text();
  return Math.round((Date.parse(r.headers.get("date") ?? "") - Date.now()) / 1000);
}

export const clockJump: Scenario = {
  name: "clock-jump",
  invariant: "wall-clock jumps of ±1 h leave request deadlines and session idleness alone; session ids and requestState expire by the wall clock, precisely",
  async run(ctx): Promise<ScenarioResult> {
    const library = fakeTimeLibrary();
    if (!library) return { figures: {}, checks: [check("libfaketime installed", false, "not found: apt-get install -y faketime")] };
    const dir = mkdtempSync(join(tmpdir(), "erlmcp-chaos-clock-"));
    const clock = fakeClock(library, dir);
    const app = await startAppliance({ shards: 1, tcp: true, dir, env: clock.env, set: { "limits.requestTimeoutMs": TIMEOUT_MS } });
    const base = `http://127.0.0.1:${app.httpPort}`;
    const ledger = new Ledger();
    const load = startLoad(app, ledger, { transports: ["http", "ws", "tcp"], clientsPerTransport: 2, pauseMs: 10 });
    const session = createClient({ name: "chaos-clock", version: "1", protocolVersion: "2025-11-25" });
    try {
      await session.connect(targetOf(app, "http"));
      await Bun.sleep(500);
      // 1. Forward an hour under load: nothing in flight may time out.
      clock.set("+1h");
      const skewForward = await serverSkewSec(base);
      ctx.progress(`wall clock +1h (server skew ${skewForward} s)`);
      await Bun.sleep(Math.max(1500, ctx.seconds * 300));
      const sessionAfterHour = await session.callTool("test_simple_text").then(() => "answered", (e) => classify(e).detail);

      // 2. Back an hour (to real time minus one): a stuck request must still time out after ~2 s.
      clock.set("-1h");
      const skewBack = await serverSkewSec(base);
      ctx.progress(`wall clock -1h (server skew ${skewBack} s)`);
      const stuckClient = createClient({ name: "chaos-clock", version: "1", protocolVersion: "2025-11-25", requestTimeoutMs: 15_000, handlers: { elicitation: () => new Promise(() => {}) } });
      await stuckClient.connect(targetOf(app, "tcp"));
      const t = performance.now();
      const stuck = await stuckClient.callTool("test_elicitation", { message: "never answered" }).then(() => "answered", (e) => classify(e).detail);
      const stuckMs = performance.now() - t;
      await stuckClient.close();
      await Bun.sleep(Math.max(1000, ctx.seconds * 200));
      await load.stop();

      // 3. requestState sealed, then the clock jumps past its 10 min life before the retry.
      clock.set("+0");
      let rounds = 0;
      const modern = createClient({
        name: "chaos-clock",
        version: "1",
        handlers: {
          elicitation: async () => {
            if (++rounds === 2) clock.set("+1h");
            return { action: "accept", content: { name: "Ada", color: "blue" } };
          },
        },
      });
      await modern.connect(targetOf(app, "http"));
      const requestState = await modern.callTool("test_input_required_result_multi_round").then(() => "accepted", (e) => classify(e).detail);
      await modern.close();

      // 4. The session id past http.sessionMaxAgeMs (24 h) by the wall clock.
      clock.set("+25h");
      const sessionAfterDay = await session.callTool("test_simple_text").then(
        () => "answered",
        (e) => classify(e).detail.replace(/session "[^"]+"/, "session <id>").slice(0, 140),
      );
      clock.set("+0");

      const counts = ledger.counts();
      return {
        figures: {
          "load across +1h and -1h": formatCounts(counts),
          "server clock skew after +1h / -1h (s)": `${skewForward} / ${skewBack}`,
          "stuck request after -1h": `${stuck} after ${(stuckMs / 1000).toFixed(1)} s (limit ${TIMEOUT_MS} ms)`,
          "2025 session after +1h": sessionAfterHour,
          "requestState replayed after +1h": requestState,
          "2025 session id after +25h": sessionAfterDay,
        },
        notes: [`libfaketime ${library}, FAKETIME_DONT_FAKE_MONOTONIC=1: only the appliance's wall clock moves`],
        checks: [
          check("the clock really moved", Math.abs(skewForward - 3600) < 60 && Math.abs(skewBack + 3600) < 60, `server skew ${skewForward} s, then ${skewBack} s`),
          check("no request in flight times out on a jump", counts.result === ledger.all().length && counts.result > 0, formatCounts(counts)),
          check("deadlines keep real time after a jump back", /limits\.requestTimeoutMs/.test(stuck) && stuckMs < 10_000, `${stuck} after ${Math.round(stuckMs)} ms`),
          check("sessions survive +1h", sessionAfterHour === "answered", sessionAfterHour),
          check("requestState past its life is refused precisely", /-32602.*expired/.test(requestState), requestState),
          check("a session id past its max age is refused precisely", /session/i.test(sessionAfterDay) && sessionAfterDay !== "answered", sessionAfterDay),
        ],
      };
    } finally {
      await load.stop();
      await session.close().catch(() => {});
      await app.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
