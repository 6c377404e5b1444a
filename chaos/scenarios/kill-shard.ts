/**
 * kill -9 a shard under mixed load, several times. Clients of the killed shard must see a
 * closed connection (not a hang), the other shard's clients nothing; a 2025 session's
 * standalone stream on the durable sqlite event store resumes with Last-Event-ID and misses
 * no event; and we measure how long a killed shard takes to serve again.
 */
import { startAppliance, waitFor } from "../lib/appliance.ts";
import { formatCounts, Ledger } from "../lib/ledger.ts";
import { startLoad } from "../lib/load.ts";
import { check, spread, type Scenario } from "../lib/report.ts";
import { eventSeq, openSession, postRaw, watchStream } from "../lib/sse.ts";

const KILLS = 3;
/** How long after a kill failures still count as caused by it: the restart plus a reconnect. */
const KILL_WINDOW_MS = 3000;

export const killShard: Scenario = {
  name: "kill-shard",
  invariant: "a shard killed with SIGKILL costs only its own connections: they close (no hang), other clients see nothing, durable streams resume with no gap",
  async run(ctx) {
    const app = await startAppliance({ shards: 2, tcp: true, set: { "events.store": "sqlite", "events.path": "events.sqlite" }, env: { ERLMCP_WATCH_INTERVAL_MS: "100" } });
    const ledger = new Ledger();
    const load = startLoad(app, ledger, { transports: ["http", "ws", "tcp"], clientsPerTransport: 3, pauseMs: 5 });
    try {
      // A durable stream on the shard we kill first: subscribed to a resource that changes every 100 ms.
      const { sid, owner } = await openSession(app.url);
      const sub = await postRaw(app.url, { jsonrpc: "2.0", id: 1, method: "resources/subscribe", params: { uri: "test://watched-resource" } }, sid);
      if (sub.status !== 200) throw new Error(`resources/subscribe: ${sub.status} ${sub.text}`);
      const stream = await watchStream(app.url, sid);
      await waitFor(5000, () => (stream.ids.length >= 5 ? true : undefined));

      const kills: { at: number; shard: number; restartMs: number | undefined }[] = [];
      let resume = { checked: false, ok: false, detail: "not run" };
      for (let k = 0; k < KILLS; k++) {
        await Bun.sleep((ctx.seconds * 1000) / KILLS);
        const shards = await app.shards();
        const victim = k === 0 ? shards.find((s) => String(s.shard) === owner) ?? shards[0]! : shards[k % shards.length]!;
        const at = performance.now() - ledger.t0;
        process.kill(victim.pid, "SIGKILL");
        const t = performance.now();
        const back = await waitFor(15_000, async () => ((await app.shards()).some((s) => s.shard === victim.shard && s.pid !== victim.pid) ? performance.now() - t : undefined));
        kills.push({ at, shard: victim.shard, restartMs: back });
        ctx.progress(`kill ${k + 1}/${KILLS}: shard ${victim.shard} back in ${back?.toFixed(0) ?? "never"} ms; ${formatCounts(ledger.counts())}`);
        if (k === 0) resume = await checkResume(app.url, sid, stream);
      }
      await Bun.sleep(500);
      await load.stop();

      const inWindow = (t: number) => kills.some((k) => t >= k.at && t <= k.at + (k.restartMs ?? 0) + KILL_WINDOW_MS);
      const failures = ledger.all((e) => e.outcome !== "result");
      const outside = failures.filter((e) => !inWindow(e.settledAt ?? Number.POSITIVE_INFINITY));
      const hung = ledger.all((e) => (e.outcome ?? "none") === "none");
      const restarts = kills.map((k) => k.restartMs).filter((v): v is number => v !== undefined);
      const s = spread(restarts);
      // While a shard is down, the other one's clients must keep getting answers.
      const servedWhileDown = kills.map((k) => ledger.all((e) => e.outcome === "result" && e.settledAt! >= k.at && e.settledAt! <= k.at + (k.restartMs ?? 0)).length);
      const figures: Record<string, string | number> = {
        requests: ledger.all().length,
        "restart ms (min/median/max)": `${s.min} / ${s.median} / ${s.max} over ${restarts.length} kills`,
        "answers while a shard was down, per kill": servedWhileDown.join(", "),
        reconnects: load.reconnects(),
        "durable stream events seen before the first kill": stream.ids.length,
      };
      for (const t of ledger.transports()) figures[`outcomes ${t}`] = formatCounts(ledger.counts(t));
      return {
        figures,
        notes: ledger.samples("closed", 2).map((d) => `closed: ${d}`).concat(ledger.samples("error", 2).map((d) => `error: ${d}`)),
        checks: [
          check("no request hangs", hung.length === 0, `${hung.length} requests got no answer within 10 s`),
          check("failures only around a kill", outside.length === 0, `${failures.length} failures (${formatCounts(ledger.counts())}), ${outside.length} outside the kill windows${outside[0] ? `, e.g. ${outside[0].client}: ${outside[0].outcome} ${outside[0].detail}` : ""}`),
          check("the other shard kept serving", servedWhileDown.every((n) => n > 0), `answers settled while the victim was down: ${servedWhileDown.join(", ")} (per kill)`),
          check("every killed shard came back", restarts.length === KILLS, `${restarts.length} of ${KILLS} back within 15 s`),
          check("durable stream resumes with no gap", resume.ok, resume.detail),
        ],
      };
    } finally {
      await load.stop();
      await app.stop();
    }
  },
};

/** After the stream's shard died: resume three events back and check the replay is exactly what followed, with no gap. */
async function checkResume(url: string, sid: string, stream: Awaited<ReturnType<typeof watchStream>>): Promise<{ checked: boolean; ok: boolean; detail: string }> {
  const why = await Promise.race([stream.ended, Bun.sleep(5000).then(() => "still open 5 s after the kill")]);
  stream.close();
  const seen = stream.ids;
  if (seen.length < 4) return { checked: true, ok: false, detail: `only ${seen.length} events before the kill` };
  const from = seen[seen.length - 4]!;
  const resumed = await watchStream(url, sid, from);
  await waitFor(5000, () => (resumed.ids.length >= 3 ? true : undefined));
  await Bun.sleep(300);
  resumed.close();
  const replay = resumed.ids;
  const seqs = [eventSeq(from)!.seq, ...replay.map((id) => eventSeq(id)?.seq ?? Number.NaN)];
  const contiguous = seqs.every((v, i) => i === 0 || v === seqs[i - 1]! + 1);
  const prefix = JSON.stringify(replay.slice(0, 3)) === JSON.stringify(seen.slice(-3));
  return {
    checked: true,
    ok: resumed.status === 200 && prefix && contiguous,
    detail: `stream ${why}; resumed after ${from}: status ${resumed.status}, ${replay.length} events replayed, the 3 we dropped ${prefix ? "came back in order" : "did NOT come back"}, sequence ${contiguous ? "contiguous" : `has a gap: ${seqs.join(",")}`}`,
  };
}
