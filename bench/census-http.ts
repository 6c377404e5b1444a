/**
 * Heap census of one Streamable HTTP `tools/call`: the objects a request allocates through
 * the whole HTTP path (Bun's request, the edge's pipeline, the endpoint, the session or the
 * stateless dispatch, the answer), by type, for either era. The load client runs in this
 * process too (8 kept-alive connections of the harness's own HTTP/1.1 client, closed loop):
 * its share is the same on every version of the server, so a difference between two commits
 * is the server's. Objects are allocation counts, not CPU time: they hold still on a busy
 * machine where throughput does not.
 *
 *   bun bench/census-http.ts [2026|2025]   (default 2026)
 *
 * Counted over windows of 400 calls after 30,000 warm calls; a window in which a collection
 * ran (a weakly held canary died) is dropped, and the median window is reported. Loopback
 * only; ends by itself in a few seconds.
 */
import { heapStats } from "bun:jsc";
import { createServer, listenHttp } from "../src/index.ts";
import { HttpMcpClient } from "./load/client-http.ts";
import { prepare, type Era } from "./load/mcp.ts";
import { installBenchProfile } from "./profile.ts";

const era = (process.argv[2] ?? "2026") as Era;
if (era !== "2026" && era !== "2025") {
  console.error(`census-http: the era is 2026 or 2025, not ${process.argv[2]}`);
  process.exit(2);
}
const CONNECTIONS = 8;
const WARM = 30_000;
const WINDOW = 400;
const WINDOWS = 15;

const server = createServer({ name: "census-http", version: "1", limits: { pageSize: 1000 } });
installBenchProfile(server);
const listener = listenHttp(server, { hostname: "127.0.0.1", port: 0, responseMode: "json", idleTimeoutSec: 0, maxSessions: 1_000_000 });
const endpoint = { host: "127.0.0.1", port: Number(listener.url.port) };
const clients = await Promise.all(Array.from({ length: CONNECTIONS }, () => HttpMcpClient.open({ transport: "http", endpoint, path: "/mcp", era })));
const request = prepare("call", era);

/** `n` calls, one in flight per connection. */
async function run(n: number): Promise<void> {
  let left = n;
  await Promise.all(
    clients.map(async (client) => {
      while (left-- > 0) {
        const failed = await client.call(request);
        if (failed) throw new Error(`census-http: a call failed (${failed})`);
      }
    }),
  );
}

await run(WARM);
const totals: number[] = [];
const byType = new Map<string, number[]>();
for (let attempt = 0; attempt < WINDOWS * 3 && totals.length < WINDOWS; attempt++) {
  Bun.gc(true);
  const canary = new WeakRef({});
  const before = heapStats().objectTypeCounts as Record<string, number>;
  await run(WINDOW);
  const after = heapStats().objectTypeCounts as Record<string, number>;
  if (!canary.deref()) continue;
  let total = 0;
  for (const type of Object.keys(after)) {
    const perCall = (after[type]! - (before[type] ?? 0)) / WINDOW;
    total += perCall;
    byType.set(type, [...(byType.get(type) ?? []), perCall]);
  }
  totals.push(total);
}
await listener.stop();
if (totals.length === 0) throw new Error("census-http: a collection ran in every window; no figure");

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(`erlmcp ${era} tools/call over Streamable HTTP, server and client: ${median(totals).toFixed(1)} objects per call (median of ${totals.length} windows)`);
for (const [type, n] of [...byType].map(([type, values]) => [type, median(values)] as const).filter(([, n]) => n >= 0.05).sort((a, b) => b[1] - a[1]))
  console.log(`  ${n.toFixed(2).padStart(6)}  ${type}`);
process.exit(0);
