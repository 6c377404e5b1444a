/**
 * Slow consumers on every transport: peers that send requests and never read the answers.
 * The server must bound the memory they cost and cut them off (http.maxQueueBytes,
 * tcp.maxQueueBytes), or on stdio stop reading; other clients meanwhile are unaffected.
 */
import { rssMb, startAppliance } from "../lib/appliance.ts";
import { formatCounts, Ledger } from "../lib/ledger.ts";
import { startLoad } from "../lib/load.ts";
import { slowSsePeer, slowTcpPeer, slowWsPeer, type SlowPeerReport } from "../lib/raw-peers.ts";
import { check, percentile, type Scenario } from "../lib/report.ts";
import { slowStdioPeer } from "../lib/stdio-peer.ts";

const QUEUE_BYTES = 65_536;
/** Memory growth we accept while slow peers push: their queues are 64 KiB each, the rest is the working heap. */
const RSS_GROWTH_BOUND_MB = 150;

/** Refusals by limit, from /metrics. */
async function refusals(base: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^erlmcp_limit_refusals_total\{limit="([^"]+)"\} (\d+)/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

/** Runs slow peers one after another until `ms` pass: the server must cut every one of them. */
async function repeatedly(ms: number, peer: (ms: number) => Promise<SlowPeerReport>): Promise<SlowPeerReport & { peers: number; cut: number }> {
  const until = performance.now() + ms;
  const reports: SlowPeerReport[] = [];
  do reports.push(await peer(Math.max(500, until - performance.now())));
  while (performance.now() < until && reports.at(-1)!.ended.startsWith("cut off"));
  const cut = reports.filter((r) => r.ended.startsWith("cut off"));
  const last = reports.at(-1)!;
  return {
    peers: reports.length,
    cut: cut.length,
    requests: reports.reduce((n, r) => n + r.requests, 0),
    bytesWritten: reports.reduce((n, r) => n + r.bytesWritten, 0),
    ended: last.ended,
    cutAfterMs: cut.length ? Math.max(...cut.map((r) => r.cutAfterMs)) : Number.NaN,
  };
}

export const slowConsumer: Scenario = {
  name: "slow-consumer",
  invariant: "a peer that never reads is cut off (or, on stdio, no longer read) with bounded server memory, and other clients are unaffected",
  async run(ctx) {
    const ms = Math.max(3000, ctx.seconds * 1000);
    const app = await startAppliance({ shards: 1, tcp: true, set: { "http.maxQueueBytes": QUEUE_BYTES, "tcp.maxQueueBytes": QUEUE_BYTES } });
    const ledger = new Ledger();
    const load = startLoad(app, ledger, { transports: ["http", "ws", "tcp"], clientsPerTransport: 1, pauseMs: 20 });
    try {
      await Bun.sleep(500);
      const rssBefore = rssMb(app.pid);
      let rssPeak = rssBefore;
      const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMb(app.pid))), 100);
      ctx.progress("slow peers on TCP, WebSocket and HTTP+SSE");
      const [tcp, ws, sse] = await Promise.all([
        repeatedly(ms, (left) => slowTcpPeer(app.tcpPort!, left)),
        repeatedly(ms, (left) => slowWsPeer(app.httpPort, left)),
        repeatedly(ms, (left) => slowSsePeer(app.httpPort, left)),
      ]);
      clearInterval(sampler);
      const counted = await refusals(`http://127.0.0.1:${app.httpPort}`);
      await load.stop();
      ctx.progress("slow peer on stdio");
      const stdio = await slowStdioPeer(ms);

      const latencies = ledger.all((e) => e.outcome === "result").map((e) => e.settledAt! - e.sentAt);
      const others = ledger.counts();
      const peers: [string, Awaited<ReturnType<typeof repeatedly>>][] = [["tcp", tcp], ["ws", ws], ["sse", sse]];
      const figures: Record<string, string | number> = {};
      for (const [name, r] of peers) figures[`${name} slow peers`] = `${r.cut} of ${r.peers} cut off (slowest after ${r.cutAfterMs} ms); ${r.requests} requests, ${(r.bytesWritten / 1024).toFixed(0)} KiB sent; last: ${r.ended}`;
      figures["stdio slow peer"] = `server took ${(stdio.bytesTaken / 1024).toFixed(0)} KiB of requests, ${(stdio.bytesWaiting / 1024).toFixed(0)} KiB left unread in its stdin; RSS ${stdio.rssStartMb} -> peak ${stdio.rssPeakMb} MiB; ${stdio.state}`;
      figures["appliance RSS MiB (before / peak)"] = `${Math.round(rssBefore)} / ${Math.round(rssPeak)}`;
      figures["refusals counted in /metrics"] = JSON.stringify(counted);
      figures["other clients"] = `${formatCounts(others)}; latency p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms`;
      return {
        figures,
        checks: [
          ...peers.map(([name, r]) => check(`${name} slow peers cut off`, r.cut === r.peers, `${r.cut} of ${r.peers} cut off; last: ${r.ended}`)),
          check("appliance memory bounded", rssPeak - rssBefore < RSS_GROWTH_BOUND_MB, `RSS grew ${Math.round(rssPeak - rssBefore)} MiB (bound ${RSS_GROWTH_BOUND_MB})`),
          check(
            "stdio server memory bounded",
            stdio.rssPeakMb - stdio.rssStartMb < RSS_GROWTH_BOUND_MB,
            `unread in its stdin ${(stdio.bytesWaiting / 1024).toFixed(0)} KiB, RSS grew ${stdio.rssPeakMb - stdio.rssStartMb} MiB`,
          ),
          check("other clients unaffected", others.result > 0 && others.result === ledger.all().length, formatCounts(others)),
        ],
      };
    } finally {
      await load.stop();
      await app.stop();
    }
  },
};
