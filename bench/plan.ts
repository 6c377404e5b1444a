/**
 * What `bun run bench` measures: the scenarios of the quick, full and smoke plans. Data only;
 * bench/run.ts carries them out. Durations are per trial; peers in a scenario are measured
 * alternately (A, B, A, B…) `rounds` times so drifting machine load hits them alike.
 */
import type { Transport } from "./load/client.ts";
import type { Era, OpName } from "./load/mcp.ts";

/** One side of a comparison: a target reached over one transport in one era. */
export interface Contestant {
  /** Short label in tables and ratios, e.g. "erlmcp 2026". */
  label: string;
  target: string;
  transport: Transport;
  era: Era;
  /**
   * The request this contestant is sent instead of the scenario's: the appliance serves its
   * built-in profile, whose trivial tool is `test_simple_text` ("simple") rather than the
   * bench profile's `echo` ("call").
   */
  op?: OpName;
}

/** A ratio to report: throughput of `over` ÷ throughput of `under`. */
export interface RatioDef {
  over: string;
  under: string;
}

/** One scenario. */
export type Scenario =
  | {
      kind: "load";
      id: string;
      title: string;
      op: OpName;
      connections: number;
      inflight: number;
      contestants: Contestant[];
      rounds: number;
      ratios: RatioDef[];
      /** Load worker processes for this scenario, when not the plan's. */
      workers?: number;
    }
  | { kind: "sweep"; id: string; title: string; op: OpName; connections: number; rates: number[]; contestants: Contestant[] }
  | { kind: "idle"; id: string; title: string; target: string; transport: Transport; steps: number[] }
  | { kind: "fanout"; id: string; title: string; target: string; transport: Transport; subscribers: number; rounds: number }
  | { kind: "churn"; id: string; title: string; target: string; transport: Transport; concurrency: number; iterations: number }
  | ScaleScenario;

/**
 * The scale proof (issue 6): idle 2025 sessions opened in steps on one appliance, spread over
 * the plan's load workers and source addresses. At each step: the server's RSS (every
 * process), its JS heap and open connections (/metrics), and ping latency over a random
 * sample of the open sessions. Then they are held (pinged throughout), closed, and the
 * server's connection count and memory are read again.
 */
export interface ScaleScenario {
  kind: "scale";
  id: string;
  title: string;
  target: string;
  transport: Transport;
  steps: number[];
  /** Pings per second (all workers together) and how long, at each step. */
  pingRate: number;
  pingMs: number;
  /** How long every session is held open at the top step, pinged at `pingRate` throughout. */
  holdMs: number;
  /** How long the server gets to settle before memory is read at a step (ms). */
  settleMs: number;
}

/** A closed-loop scenario. */
export type LoadScenario = Extract<Scenario, { kind: "load" }>;

/** A whole plan. */
export interface Plan {
  name: string;
  warmupMs: number;
  durationMs: number;
  /**
   * Untimed load each server path (target, transport, era) gets before its first measured
   * trial (default none). A fresh process spends its first seconds tiering up its JIT and
   * growing its heap (page faults, dear in a VM): a trial's own warm-up is too short for
   * that, and the first contestant of a run would pay for it alone. Every contestant gets
   * the same.
   */
  firstWarmMs?: number;
  /** Load worker processes per trial. */
  workers: number;
  /** Loopback source addresses connections are spread over (1 = the kernel's choice). */
  sources: number;
  scenarios: Scenario[];
  /**
   * Profile erlmcp: each scenario gets a fresh erlmcp under Bun's CPU profiler, and the
   * report shows its hottest functions (where the time goes, measured rather than guessed).
   */
  profile?: boolean;
}

const c = (label: string, target: string, transport: Transport, era: Era, op?: OpName): Contestant => ({ label, target, transport, era, ...(op ? { op } : {}) });

const ERL_2026 = c("erlmcp 2026", "erlmcp", "http", "2026");
const ERL_2025 = c("erlmcp 2025 session", "erlmcp", "http", "2025");
const SDK1_STATELESS = c("SDK v1 stateless", "sdk-v1-stateless", "http", "2025-stateless");
const SDK1_STATEFUL = c("SDK v1 stateful", "sdk-v1-stateful", "http", "2025");
const SDK2 = c("SDK v2 2026", "sdk-v2", "http", "2026");
const RAW_HTTP = c("raw Bun.serve", "raw-bun", "http", "raw");

/** The Streamable HTTP tools/call comparison of issue 5's first target. */
function httpCall(connections: number, rounds: number, peers = true): LoadScenario {
  return {
    kind: "load",
    id: `http-call-${connections}`,
    title: `Streamable HTTP tools/call, ${connections} connections (closed loop, JSON answers)`,
    op: "call",
    connections,
    inflight: 1,
    rounds,
    contestants: peers ? [ERL_2026, SDK1_STATELESS, RAW_HTTP, ERL_2025, SDK1_STATEFUL, SDK2] : [ERL_2026, ERL_2025],
    ratios: peers
      ? [
          { over: "erlmcp 2026", under: "SDK v1 stateless" },
          { over: "erlmcp 2025 session", under: "SDK v1 stateful" },
          { over: "erlmcp 2026", under: "SDK v2 2026" },
          { over: "erlmcp 2026", under: "raw Bun.serve" },
        ]
      : [],
  };
}

/**
 * tools/call over a stream transport with 16 in flight, against the raw Bun echo. One load
 * worker: the server takes one of this machine's two cores and the worker the other, as if
 * the load came from another machine. A second worker only competes with the server for its
 * core (measured: erlmcp 97k against 179k msg/s, the echo 128k against 207k).
 */
function streamCall(transport: "ws" | "tcp", rounds: number, peers = true): LoadScenario {
  const name = transport === "ws" ? "WebSocket" : "TCP";
  const erl = c(`erlmcp ${transport}`, "erlmcp", transport, "2025");
  const raw = c(`raw Bun ${transport}`, "raw-bun", transport, "raw");
  return {
    kind: "load",
    id: `${transport}-call-16`,
    title: `${name} tools/call, 16 in flight (4 connections × 4)`,
    op: "call",
    connections: 4,
    inflight: 4,
    rounds,
    contestants: peers ? [erl, raw] : [erl],
    ratios: peers ? [{ over: erl.label, under: raw.label }] : [],
    workers: 1,
  };
}

function opCompare(op: OpName, title: string, rounds: number): Scenario {
  return {
    kind: "load",
    id: `http-${op}`,
    title,
    op,
    connections: 16,
    inflight: 1,
    rounds,
    contestants: [ERL_2026, SDK1_STATELESS],
    ratios: [{ over: "erlmcp 2026", under: "SDK v1 stateless" }],
  };
}

const sseCall = (rounds: number): Scenario => ({
  kind: "load",
  id: "http-sse-call",
  title: "Streamable HTTP tools/call answered as SSE, 2025 sessions, 16 connections",
  op: "call",
  connections: 16,
  inflight: 1,
  rounds,
  contestants: [c("erlmcp SSE", "erlmcp", "http-sse", "2025"), c("SDK v1 stateful SSE", "sdk-v1-stateful-sse", "http-sse", "2025")],
  ratios: [{ over: "erlmcp SSE", under: "SDK v1 stateful SSE" }],
});

const stdioCall: Scenario = {
  kind: "load",
  id: "stdio-call-16",
  title: "stdio tools/call, 16 in flight (one session)",
  op: "call",
  connections: 1,
  inflight: 16,
  rounds: 1,
  contestants: [c("erlmcp stdio", "erlmcp", "stdio", "2025")],
  ratios: [],
};

const sweep = (rates: number[]): Scenario => ({
  kind: "sweep",
  id: "http-open-loop",
  title: "Streamable HTTP tools/call at fixed rates (open loop, 32 connections): latency vs throughput",
  op: "call",
  connections: 32,
  rates,
  contestants: [ERL_2026, SDK1_STATELESS],
});

const idle = (transport: Transport, steps: number[]): Scenario => ({
  kind: "idle",
  id: `idle-${transport}`,
  title: `Idle ${transport === "http-sse" ? "Streamable HTTP sessions, each holding its GET SSE stream" : `${transport} sessions`}`,
  target: "erlmcp",
  transport,
  steps,
});

/** `bun run bench`: every workload and peer once, in under 3 minutes. */
export const QUICK: Plan = {
  name: "quick",
  warmupMs: 500,
  durationMs: 2000,
  firstWarmMs: 2000,
  workers: 2,
  sources: 2,
  scenarios: [
    httpCall(64, 2),
    streamCall("ws", 2),
    streamCall("tcp", 2),
    stdioCall,
    sseCall(1),
    opCompare("list", "Streamable HTTP tools/list (200 tools), 16 connections", 1),
    opCompare("read", "Streamable HTTP resources/read (4 KB), 16 connections", 1),
    sweep([500, 1500, 3000]),
    idle("ws", [500, 1000, 2000]),
    idle("tcp", [500, 1000, 2000]),
    idle("http-sse", [250, 500, 1000]),
    { kind: "fanout", id: "fanout-ws", title: "One resources/updated fanned out to 1,000 WebSocket subscribers", target: "erlmcp", transport: "ws", subscribers: 1000, rounds: 5 },
    { kind: "churn", id: "churn-http", title: "Session churn: initialize + tools/call + DELETE over Streamable HTTP", target: "erlmcp", transport: "http", concurrency: 8, iterations: 1000 },
  ],
};

/** `bun run bench:full`: longer trials, more rounds and sizes; for a quiet machine. */
export const FULL: Plan = {
  name: "full",
  warmupMs: 2000,
  durationMs: 10_000,
  firstWarmMs: 5000,
  workers: 2,
  sources: 4,
  scenarios: [
    httpCall(1, 3),
    httpCall(16, 3),
    httpCall(64, 3),
    httpCall(256, 3),
    streamCall("ws", 3),
    streamCall("tcp", 3),
    stdioCall,
    sseCall(3),
    opCompare("list", "Streamable HTTP tools/list (200 tools), 16 connections", 3),
    opCompare("read", "Streamable HTTP resources/read (4 KB), 16 connections", 3),
    sweep([500, 1000, 2000, 4000, 8000, 12000]),
    idle("ws", [1000, 2500, 5000, 10000]),
    idle("tcp", [1000, 2500, 5000, 10000]),
    idle("http-sse", [1000, 2500, 5000]),
    { kind: "fanout", id: "fanout-ws", title: "One resources/updated fanned out to 10,000 WebSocket subscribers", target: "erlmcp", transport: "ws", subscribers: 10_000, rounds: 10 },
    { kind: "churn", id: "churn-http", title: "Session churn: initialize + tools/call + DELETE over Streamable HTTP", target: "erlmcp", transport: "http", concurrency: 16, iterations: 10_000 },
    { kind: "churn", id: "churn-ws", title: "Session churn: WebSocket connect + initialize + tools/call + close", target: "erlmcp", transport: "ws", concurrency: 16, iterations: 10_000 },
  ],
};

/** The CI smoke: erlmcp only, tiny load, a few seconds; proves the harness runs and reports. */
export const SMOKE: Plan = {
  name: "smoke",
  warmupMs: 200,
  durationMs: 600,
  workers: 1,
  sources: 1,
  scenarios: [httpCall(2, 1, false), streamCall("ws", 1, false), streamCall("tcp", 1, false)],
};

/** `bun bench/run.ts profile`: erlmcp alone on the hot paths of the throughput targets, profiled. */
export const PROFILE: Plan = {
  name: "profile",
  warmupMs: 500,
  durationMs: 3000,
  workers: 2,
  sources: 1,
  profile: true,
  scenarios: [
    { ...httpCall(64, 1, false), contestants: [ERL_2026] },
    { ...httpCall(64, 1, false), id: "http-call-64-session", title: "Streamable HTTP tools/call, 64 connections, 2025 sessions", contestants: [ERL_2025] },
    streamCall("ws", 1, false),
    streamCall("tcp", 1, false),
  ],
};

/** Shards on this machine by default (one per core): what `erlmcp-shards` runs. */
const CORES = navigator.hardwareConcurrency || 2;
const SERVE = (transport: Transport, era: Era) => c(`erlmcp serve ${transport === "http" ? era : transport}, 1 process`, "erlmcp-serve", transport, era, "simple");
const SHARDED = (transport: Transport, era: Era) => c(`erlmcp serve ${transport === "http" ? era : transport}, ${CORES} shards`, "erlmcp-shards", transport, era, "simple");

/**
 * Do shards help on this machine? The quick plan's throughput scenarios against the appliance
 * (`erlmcp serve`) as one process and with one shard per core, next to the library's
 * single-process erlmcp, raw Bun and (HTTP) the SDK v1, alternately, 3 rounds.
 */
export const SHARDS: Plan = {
  name: "shards",
  warmupMs: 500,
  durationMs: 2000,
  firstWarmMs: 2000,
  workers: 2,
  sources: 2,
  scenarios: [
    {
      ...httpCall(64, 3),
      title: `Streamable HTTP tools/call, 64 connections: the appliance as 1 process and ${CORES} shards`,
      contestants: [ERL_2026, SERVE("http", "2026"), SHARDED("http", "2026"), RAW_HTTP, SDK1_STATELESS],
      ratios: [
        { over: SHARDED("http", "2026").label, under: SERVE("http", "2026").label },
        { over: SHARDED("http", "2026").label, under: RAW_HTTP.label },
        { over: SERVE("http", "2026").label, under: RAW_HTTP.label },
        { over: ERL_2026.label, under: RAW_HTTP.label },
        { over: SHARDED("http", "2026").label, under: SDK1_STATELESS.label },
        { over: SERVE("http", "2026").label, under: SDK1_STATELESS.label },
      ],
    },
    ...(["ws", "tcp"] as const).map((t): LoadScenario => {
      const base = streamCall(t, 3);
      const [erl, raw] = base.contestants as [Contestant, Contestant];
      return {
        ...base,
        title: `${base.title}: the appliance as 1 process and ${CORES} shards`,
        contestants: [erl, SERVE(t, "2025"), SHARDED(t, "2025"), raw],
        ratios: [
          { over: SHARDED(t, "2025").label, under: SERVE(t, "2025").label },
          { over: SHARDED(t, "2025").label, under: raw.label },
          { over: SERVE(t, "2025").label, under: raw.label },
          { over: erl.label, under: raw.label },
        ],
      };
    }),
  ],
};

/**
 * `bun run bench:scale`: 100,000 concurrent idle WebSocket sessions on one `erlmcp serve
 * --shards 8`, opened in steps by 8 load workers from 16 source addresses. Bounded (10 min);
 * for a quiet machine, never in CI.
 *
 * Why 8 shards and 8 workers: a process may hold 20,000 open files here, so 100,000 sockets
 * need at least 6 processes on each side; with 8, each holds ~12,500 and the kernel's
 * reusePort hashing has room to be uneven (measured per shard in the report). Why 16 sources:
 * a source address gives ~28,000 ephemeral ports (32768-60999), and the kernel's search for a
 * free one in bind() slows as they fill: with 8 sources (12,500 each) opening fell to ~370
 * sessions/s past 50,000; with 16 (6,250 each) it stays in the thousands, and a second run in
 * a row still finds ports while the first one's are in TIME_WAIT.
 */
export const SCALE: Plan = {
  name: "scale",
  warmupMs: 0,
  durationMs: 0,
  workers: 8,
  sources: 16,
  scenarios: [
    {
      kind: "scale",
      id: "scale-ws",
      title: "100,000 concurrent WebSocket sessions on erlmcp serve --shards 8",
      target: "erlmcp-shards-8",
      transport: "ws",
      steps: [10_000, 25_000, 50_000, 75_000, 100_000],
      pingRate: 1000,
      pingMs: 3000,
      holdMs: 45_000,
      settleMs: 2000,
    },
  ],
};

export const PLANS: Readonly<Record<string, Plan>> = { quick: QUICK, full: FULL, smoke: SMOKE, profile: PROFILE, shards: SHARDS, scale: SCALE };
