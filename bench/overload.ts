/**
 * Load past capacity: `erlmcp serve --shards 1` with limits.maxConnections = LIMIT, a few
 * "resident" WebSocket sessions pinging in a closed loop (their p99 is the figure that must
 * hold), then a ramp of extra WebSocket connections to 50 %, 100 % and 120 % of the limit and
 * back down to 0. At each step: how many of the step's new upgrades were refused (503), how
 * fast a refusal came, whether an HTTP POST on a new connection is refused (503 / JSON-RPC
 * -32000 naming limits.maxConnections) or served, the residents' p99, and the server's RSS.
 *
 *   nice -n 10 bun bench/overload.ts [LIMIT] [STEP_SECONDS]    (default 200 and 3; about 30 s)
 *   bun run bench:overload
 *
 * Bounded: a hard limit stops everything after 180 s; the appliance is stopped by its PID.
 * Prints a text table (no charts library: the figures are the record).
 */
import { headersFor, mreq } from "../test/fixtures/modern-client.ts";
import { startBenchAppliance } from "./load/appliance.ts";

const LIMIT = Number(process.argv[2] ?? 200);
const STEP_S = Number(process.argv[3] ?? 3);
const RESIDENTS = 4;

const { proc, wsUrl, mcpUrl, rssMb } = await startBenchAppliance("overload", [`limits.maxConnections=${LIMIT}`], 180);
const stop = () => {
  proc.kill("SIGTERM");
};


/** Opens a WebSocket; resolves it, or the HTTP refusal's ms when the upgrade is refused. */
function dial(): Promise<{ ws: WebSocket } | { refusedMs: number }> {
  const t0 = performance.now();
  const ws = new WebSocket(wsUrl, "mcp");
  return new Promise((resolve) => {
    ws.onopen = () => resolve({ ws });
    ws.onerror = () => resolve({ refusedMs: performance.now() - t0 });
  });
}

/** A resident session: initialize, then pings one after another, recording each round trip. */
async function resident(samples: number[], running: () => boolean): Promise<void> {
  const d = await dial();
  if (!("ws" in d)) throw new Error("a resident session was refused");
  const ws = d.ws;
  let waiting: (() => void) | undefined;
  ws.onmessage = () => waiting?.();
  const ask = (msg: string) => new Promise<void>((r) => ((waiting = r), ws.send(msg)));
  await ask(JSON.stringify({ jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "overload", version: "1" } } }));
  ws.send(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }));
  for (let i = 1; running(); i++) {
    const t0 = performance.now();
    await ask(`{"jsonrpc":"2.0","id":${i},"method":"ping"}`);
    samples.push(performance.now() - t0);
    await Bun.sleep(5);
  }
  ws.close();
}

const p99 = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)]! : NaN);

let samples: number[] = [];
let running = true;
const residents = Array.from({ length: RESIDENTS }, () => resident(samples, () => running));
const extras: WebSocket[] = [];
const rows: string[] = [];

async function step(name: string, target: number): Promise<void> {
  const refusals: number[] = [];
  let opened = 0;
  while (extras.length > Math.max(0, target - RESIDENTS)) extras.pop()!.close();
  const wanted = Math.max(0, target - RESIDENTS - extras.length);
  for (let i = 0; i < wanted; i += 20) {
    const batch = await Promise.all(Array.from({ length: Math.min(20, wanted - i) }, dial));
    for (const d of batch) "ws" in d ? (extras.push(d.ws), opened++) : refusals.push(d.refusedMs);
  }
  const t0 = performance.now();
  // A 2026-07-28 server/discover on a new connection: served (200) while a slot is free.
  const discover = mreq(1, "server/discover");
  const http = await fetch(mcpUrl, { method: "POST", headers: { ...headersFor(discover), connection: "close" }, body: JSON.stringify(discover) }).catch(() => undefined);
  const httpMs = performance.now() - t0;
  const httpBody = http ? ((await http.json().catch(() => ({}))) as { error?: { code: number; data?: { limit?: string } } }) : undefined;
  samples.length = 0;
  await Bun.sleep(STEP_S * 1000);
  const refusedP99 = p99(refusals);
  rows.push(
    `| ${name} | ${RESIDENTS + extras.length} | ${opened} | ${refusals.length} | ${Number.isNaN(refusedP99) ? "-" : refusedP99.toFixed(1)} | ${http?.status ?? "error"}${httpBody?.error ? ` ${httpBody.error.code} ${httpBody.error.data?.limit ?? ""}` : ""} (${httpMs.toFixed(1)} ms) | ${samples.length} | ${p99(samples).toFixed(2)} | ${(await rssMb()).toFixed(0)} |`,
  );
  console.error(rows.at(-1));
}

await Bun.sleep(500);
await step("baseline", RESIDENTS);
for (const pct of [50, 100, 120]) await step(`up to ${pct} %`, Math.round((LIMIT * pct) / 100));
await step("down to 50 %", Math.round(LIMIT / 2));
await step("back to baseline", RESIDENTS);
running = false;
await Promise.all(residents);
const alive = proc.exitCode === null;
stop();
await proc.exited;

console.log(`Load past capacity: erlmcp serve --shards 1, limits.maxConnections = ${LIMIT}, ${RESIDENTS} resident WebSocket sessions pinging, ${STEP_S} s per step; the server ${alive ? "stayed up" : "DIED"}`);
console.log("| step | connections held | new upgrades accepted | new upgrades refused (503) | refusal p99 ms | new HTTP POST | resident pings | resident p99 ms | server RSS MB |");
console.log("|---|---:|---:|---:|---:|---|---:|---:|---:|");
for (const r of rows) console.log(r);
process.exit(0);
