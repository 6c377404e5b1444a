/**
 * SIGTERM under load: the appliance drains. Every request it accepted gets its answer or a
 * precise shutting-down error; connections it no longer accepts are refused; it exits 0.
 */
import { startAppliance } from "../lib/appliance.ts";
import { formatCounts, Ledger } from "../lib/ledger.ts";
import { startLoad } from "../lib/load.ts";
import { check, type Scenario } from "../lib/report.ts";

export const sigterm: Scenario = {
  name: "sigterm",
  invariant: "SIGTERM under load loses nothing: every accepted request is answered or refused with an error, then exit 0",
  async run(ctx) {
    const app = await startAppliance({ shards: 2, tcp: true });
    const ledger = new Ledger();
    // Mostly the 100 ms tool, so requests are in flight when the signal lands.
    const load = startLoad(app, ledger, {
      transports: ["http", "sse", "ws", "tcp"],
      clientsPerTransport: 3,
      tools: ["test_tool_with_progress", "test_tool_with_progress", "test_simple_text"],
    });
    try {
      await Bun.sleep(Math.max(1000, ctx.seconds * 500));
      ctx.progress(`before SIGTERM: ${formatCounts(ledger.counts())}`);
      const signalledAt = performance.now() - ledger.t0;
      app.signal("SIGTERM");
      const code = await Promise.race([app.exited, Bun.sleep(30_000).then(() => "still running after 30 s")]);
      const exitedAt = performance.now() - ledger.t0;
      await load.stop();
      const lost = ledger.all((e) => e.outcome === "closed" || e.outcome === "none" || !e.outcome);
      const figures: Record<string, string | number> = {
        requests: ledger.all().length,
        "in flight or sent after SIGTERM": ledger.all((e) => (e.settledAt ?? Infinity) >= signalledAt).length,
        "drain ms (SIGTERM to exit)": Math.round(exitedAt - signalledAt),
        "exit code": String(code),
      };
      for (const t of ledger.transports()) figures[`outcomes ${t}`] = formatCounts(ledger.counts(t));
      const lostBy = ledger.transports().map((t) => `${t} ${lost.filter((e) => e.transport === t).length}`).join(", ");
      return {
        figures,
        notes: [...ledger.samples("closed", 3).map((d) => `closed: ${d}`), ...ledger.samples("error", 3).map((d) => `error: ${d}`)],
        checks: [
          check("nothing accepted is lost", lost.length === 0, `${lost.length} requests closed or unanswered (${lostBy})`),
          check("exit 0", code === 0, `exit code ${code}`),
        ],
      };
    } finally {
      await load.stop();
      await app.stop();
    }
  },
};
