/**
 * Request rates past their limits: `erlmcp serve --shards 1` with limits.principalRatePerSec =
 * RATE (burst RATE/10) and limits.toolRatePerSec = TOOL_RATE (burst TOOL_RATE/10). Resident
 * 2025 sessions (2 WebSocket, 2 Streamable HTTP) send tools/list in a closed loop under the
 * rate (their p99 is the figure that must hold, and none of theirs may be refused); open-loop loaders ramp to 50 %, 100 %, 120 % of
 * the limits and back:
 *
 * - principal: one WebSocket session and one HTTP session, each sending tools/list at the
 *   step's share of principalRatePerSec (every session is its own principal; ping and
 *   initialize are never rate-limited, so the loaders do not use them);
 * - tool: test_simple_text called at the step's share of toolRatePerSec (one bucket for the
 *   whole appliance), alternately over a WebSocket session and an HTTP session.
 *
 * Over a limit, HTTP must answer 429 with Retry-After, RateLimit and RateLimit-Policy, and
 * WebSocket the JSON-RPC error -32000 naming the limit, within milliseconds.
 *
 *   nice -n 10 bun bench/overload-rate.ts [RATE] [TOOL_RATE] [STEP_SECONDS]   (default 100, 50, 4; about 30 s)
 *
 * Bounded: a hard limit stops everything after 120 s; the appliance is stopped by its PID.
 */
import { startBenchAppliance } from "./load/appliance.ts";

const RATE = Number(process.argv[2] ?? 100);
const TOOL_RATE = Number(process.argv[3] ?? 50);
const STEP_S = Number(process.argv[4] ?? 4);
const TOOL = "test_simple_text";
const INIT = { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "overload-rate", version: "1" } };

const limits = [`limits.principalRatePerSec=${RATE}`, `limits.principalBurst=${Math.max(1, RATE / 10)}`, `limits.toolRatePerSec=${TOOL_RATE}`, `limits.toolBurst=${Math.max(1, TOOL_RATE / 10)}`];
const { proc, wsUrl, mcpUrl, rssMb } = await startBenchAppliance("overload-rate", limits, 120);


/** What one loader saw during one step. */
class Tally {
  ok = 0;
  refused = 0;
  /** Refusals missing what they must carry (HTTP: Retry-After, RateLimit, RateLimit-Policy; both: the limit's name). */
  malformed = 0;
  other = 0;
  readonly refusedMs: number[] = [];
  readonly limits = new Set<string>();
}

interface Session {
  /** Sends one request; `done` gets the tally entry's kind and the round trip. */
  send(method: string, params: object | undefined, done: (outcome: "ok" | "refused" | "malformed" | "other", ms: number, limit?: string) => void): void;
  close(): void;
}

async function wsSession(): Promise<Session> {
  const ws = new WebSocket(wsUrl, "mcp");
  await new Promise((resolve, reject) => ((ws.onopen = resolve), (ws.onerror = reject)));
  const waiting = new Map<number, (m: { result?: unknown; error?: { code: number; data?: { limit?: string } } }) => void>();
  ws.onmessage = (e) => {
    const m = JSON.parse(String(e.data));
    if (m.id !== undefined) waiting.get(m.id)?.(m), waiting.delete(m.id);
  };
  let next = 1;
  const s: Session = {
    send(method, params, done) {
      const id = next++;
      const t0 = performance.now();
      waiting.set(id, (m) => {
        const ms = performance.now() - t0;
        if (m.result !== undefined) return done("ok", ms);
        const limit = m.error?.data?.limit;
        if (m.error?.code === -32000 && limit?.endsWith("RatePerSec")) return done("refused", ms, limit);
        done("other", ms);
      });
      ws.send(JSON.stringify(params === undefined ? { jsonrpc: "2.0", id, method } : { jsonrpc: "2.0", id, method, params }));
    },
    close: () => ws.close(),
  };
  await new Promise<void>((r) => s.send("initialize", INIT, () => r()));
  ws.send(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }));
  return s;
}

async function httpSession(): Promise<Session> {
  const base = { "content-type": "application/json", accept: "application/json, text/event-stream" };
  const init = await fetch(mcpUrl, { method: "POST", headers: base, body: JSON.stringify({ jsonrpc: "2.0", id: 0, method: "initialize", params: INIT }) });
  await init.text();
  const sid = init.headers.get("mcp-session-id");
  if (!sid) throw new Error(`initialize over HTTP: ${init.status}, no session id`);
  const headers = { ...base, "mcp-session-id": sid, "mcp-protocol-version": INIT.protocolVersion };
  await (await fetch(mcpUrl, { method: "POST", headers, body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }) })).text();
  let next = 1;
  return {
    send(method, params, done) {
      const t0 = performance.now();
      const body = JSON.stringify(params === undefined ? { jsonrpc: "2.0", id: next++, method } : { jsonrpc: "2.0", id: next++, method, params });
      fetch(mcpUrl, { method: "POST", headers, body })
        .then(async (r) => {
          const text = await r.text();
          const ms = performance.now() - t0;
          if (r.status === 200) return done("ok", ms);
          if (r.status !== 429) return done("other", ms);
          const limit = (JSON.parse(text) as { error?: { data?: { limit?: string } } }).error?.data?.limit;
          const complete = r.headers.get("retry-after") && r.headers.get("ratelimit") && r.headers.get("ratelimit-policy") && limit;
          done(complete ? "refused" : "malformed", ms, limit);
        })
        .catch(() => done("other", performance.now() - t0));
    },
    close: () => {},
  };
}

/** Sends `send()` at `rate()` per second, open loop (not waiting for answers), until stopped. */
function openLoop(rate: () => number, send: () => void): () => void {
  let owed = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    owed += (rate() * (now - last)) / 1000;
    last = now;
    for (; owed >= 1; owed--) send();
  }, 5);
  return () => clearInterval(timer);
}

/** Residents' requests that were not answered (refused or failed): must stay 0. */
let residentFailures = 0;

/** A resident: tools/list one after another, 20 ms apart (under 50/s, half of RATE), recording each round trip. */
async function resident(s: Session, samples: () => number[], running: () => boolean): Promise<void> {
  while (running()) {
    const [outcome, ms] = await new Promise<[string, number]>((r) => s.send("tools/list", undefined, (o, ms) => r([o, ms])));
    if (outcome === "ok") samples().push(ms);
    else residentFailures++;
    await Bun.sleep(20);
  }
}

const p99 = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)]! : NaN);
const fmt = (x: number) => (Number.isNaN(x) ? "-" : x.toFixed(1));

let share = 0;
let wsSamples: number[] = [];
let httpSamples: number[] = [];
let running = true;
const residents = [
  ...(await Promise.all([wsSession(), wsSession()])).map((s) => resident(s, () => wsSamples, () => running)),
  ...(await Promise.all([httpSession(), httpSession()])).map((s) => resident(s, () => httpSamples, () => running)),
];
const loaders = { "principal, WebSocket": await wsSession(), "principal, HTTP": await httpSession(), "tool, WebSocket": await wsSession(), "tool, HTTP": await httpSession() };
type LoaderName = keyof typeof loaders;
let tallies = {} as Record<LoaderName, Tally>;
const fresh = () => (tallies = Object.fromEntries(Object.keys(loaders).map((k) => [k, new Tally()])) as Record<LoaderName, Tally>);
fresh();
const record = (name: LoaderName) => (outcome: "ok" | "refused" | "malformed" | "other", ms: number, limit?: string) => {
  const t = tallies[name];
  t[outcome]++;
  if (outcome === "refused" || outcome === "malformed") t.refusedMs.push(ms);
  if (limit) t.limits.add(limit.replace("limits.", ""));
};
let toolCalls = 0;
const stops = [
  openLoop(() => share * RATE, () => loaders["principal, WebSocket"].send("tools/list", undefined, record("principal, WebSocket"))),
  openLoop(() => share * RATE, () => loaders["principal, HTTP"].send("tools/list", undefined, record("principal, HTTP"))),
  // One loop for both transports, alternating, so neither is always first at the shared bucket.
  openLoop(() => share * TOOL_RATE, () => {
    const name: LoaderName = (toolCalls++ & 1) === 0 ? "tool, WebSocket" : "tool, HTTP";
    loaders[name].send("tools/call", { name: TOOL, arguments: {} }, record(name));
  }),
];

const rows: string[] = [];
async function step(name: string, pct: number): Promise<void> {
  share = pct / 100;
  fresh();
  wsSamples = [];
  httpSamples = [];
  await Bun.sleep(STEP_S * 1000);
  const t = tallies;
  const cell = (n: LoaderName) => `${t[n].ok} / ${t[n].refused}${t[n].malformed ? ` (${t[n].malformed} malformed)` : ""}${t[n].other ? ` (${t[n].other} other)` : ""}`;
  const refusedP99 = (transport: string) => fmt(p99(Object.entries(t).flatMap(([n, x]) => (n.endsWith(transport) ? x.refusedMs : []))));
  const named = [...new Set(Object.values(t).flatMap((x) => [...x.limits]))].join(", ") || "-";
  rows.push(
    `| ${name} | ${cell("principal, WebSocket")} | ${cell("principal, HTTP")} | ${cell("tool, WebSocket")} | ${cell("tool, HTTP")} | ${named} | ${refusedP99("WebSocket")} / ${refusedP99("HTTP")} | ${wsSamples.length} / ${fmt(p99(wsSamples))} | ${httpSamples.length} / ${fmt(p99(httpSamples))} | ${(await rssMb()).toFixed(0)} |`,
  );
  console.error(rows.at(-1));
}

await Bun.sleep(300);
await step("baseline", 0);
for (const pct of [50, 100, 120]) await step(`up to ${pct} %`, pct);
await step("down to 50 %", 50);
await step("back to baseline", 0);
for (const stop of stops) stop();
running = false;
await Promise.all(residents);
for (const s of Object.values(loaders)) s.close();
const alive = proc.exitCode === null;
proc.kill("SIGTERM");
await proc.exited;

console.log(
  `Request rates past their limits: erlmcp serve --shards 1, limits.principalRatePerSec = ${RATE} (burst ${Math.max(1, RATE / 10)}), limits.toolRatePerSec = ${TOOL_RATE} (burst ${Math.max(1, TOOL_RATE / 10)}), ${STEP_S} s per step; the server ${alive ? "stayed up" : "DIED"}; resident requests refused or failed: ${residentFailures}`,
);
console.log("Loader cells: answered / refused (HTTP 429 with Retry-After, RateLimit and RateLimit-Policy; WebSocket -32000 naming the limit). Residents: tools/list answered / p99 ms.");
console.log("| step | principal, WebSocket | principal, HTTP | tool, WebSocket | tool, HTTP | limits named | refusal p99 ms, WS / HTTP | resident WS tools/list / p99 ms | resident HTTP tools/list / p99 ms | server RSS MB |");
console.log("|---|---:|---:|---:|---:|---|---:|---:|---:|---:|");
for (const r of rows) console.log(r);
process.exit(0);
