/**
 * erlmcp as a benchmark target: the library's own listeners (createServer + listenHttp /
 * serveTcp / serveStdio) serving the bench profile. Flags:
 *   --http HOST:PORT       Streamable HTTP (responseMode json), WebSocket /ws, /healthz; repeatable
 *   --http-sse HOST:PORT   Streamable HTTP answering every POST as SSE; repeatable
 *   --tcp HOST:PORT        newline-delimited JSON; repeatable
 *   --stdio                one session on stdin/stdout
 *   --stats HOST:PORT      GET → {heapUsed, rss, sessions} after a full GC: the churn check
 *                          that the heap returns to its baseline (bench-only, not in the appliance)
 * Runs until SIGTERM/SIGINT (or stdin EOF with --stdio).
 */
import { createServer, listenHttp, serveStdio, serveTcp } from "../../src/index.ts";
import { installBenchProfile } from "../profile.ts";
import { hostPort, readFlags } from "./args.ts";

const flags = readFlags(process.argv.slice(2));
const server = createServer({
  name: "erlmcp-bench",
  version: "0.0.0",
  // tools/list answers all 200 tools in one page, as the SDK peers do.
  limits: { pageSize: 1000 },
});
installBenchProfile(server);

const stops: (() => unknown)[] = [];
const sessionCounts: (() => number)[] = [];
// Idle-session runs hold connections open for a while with no traffic; SSE keep-alives every
// 5 s and a 120 s idle limit keep them open without touching what is measured.
const http = { idleTimeoutSec: 120, keepaliveMs: 5000, maxSessions: 1_000_000 };
for (const [flag, responseMode] of [["http", "json"], ["http-sse", "sse"]] as const)
  for (const where of flags.get(flag) ?? []) {
    const listener = listenHttp(server, { ...hostPort(where), ...http, responseMode });
    stops.push(listener.stop);
    sessionCounts.push(() => listener.streamable.sessionCount + listener.legacy.sessionCount);
  }
for (const where of flags.get("tcp") ?? []) {
  const listener = serveTcp(server, hostPort(where));
  stops.push(listener.stop);
  sessionCounts.push(() => listener.sessionCount);
}
for (const where of flags.get("stats") ?? []) {
  const stats = Bun.serve({
    ...hostPort(where),
    fetch() {
      Bun.gc(true);
      const { heapUsed, rss } = process.memoryUsage();
      return Response.json({ heapUsed, rss, sessions: sessionCounts.reduce((n, count) => n + count(), 0) });
    },
  });
  stops.push(() => stats.stop(true));
}
if (flags.has("stdio")) serveStdio(server).closed.then(() => process.exit(0));

const stop = async () => {
  await Promise.allSettled(stops.map((s) => s()));
  process.exit(0);
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
