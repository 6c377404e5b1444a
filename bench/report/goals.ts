/**
 * The targets of issue 5 ("Benchmark harness"), checked against a run's results: each says
 * what was measured, whether it is met, and by how much it is missed. A target the run did
 * not measure says so instead of passing.
 */
import type { Results } from "../execute.ts";
import { bytes, ms, num } from "./table.ts";

/** One target's verdict. */
export interface Verdict {
  goal: string;
  measured: string;
  /** true met, false missed, undefined not measured by this run. */
  met: boolean | undefined;
  /** For a miss: how far off, e.g. "needs 3.1× more". */
  gap: string;
}

function throughputOf(r: Results, scenarioPrefix: string, label: string): number | undefined {
  for (const l of r.load) if (l.scenario.id.startsWith(scenarioPrefix)) for (const row of l.rows) if (row.contestant.label === label) return row.throughput;
  return undefined;
}

function rowOf(r: Results, scenarioId: string, label: string) {
  return r.load.find((l) => l.scenario.id === scenarioId)?.rows.find((row) => row.contestant.label === label);
}

/** "at least" check. */
function atLeast(goal: string, value: number | undefined, want: number, show: (v: number) => string): Verdict {
  if (value === undefined) return { goal, measured: "not measured", met: undefined, gap: "" };
  const met = value >= want;
  return { goal, measured: show(value), met, gap: met ? `${num(value / want, 2)}× the target` : `needs ${num(want / value, 2)}× more` };
}

/** "at most" check; a value ≤ 0 (a memory slope lost in noise) is reported, not judged. */
function atMost(goal: string, value: number | undefined, want: number, show: (v: number) => string): Verdict {
  if (value === undefined) return { goal, measured: "not measured", met: undefined, gap: "" };
  if (value <= 0) return { goal, measured: show(value), met: undefined, gap: "lost in noise: repeat with more sessions (bench:full)" };
  const met = value <= want;
  return { goal, measured: show(value), met, gap: met ? `${num((value / want) * 100, 0)} % of the limit` : `${num(value / want, 2)}× over` };
}

/** Every target of the issue, judged. */
export function judge(r: Results): Verdict[] {
  const erl = throughputOf(r, "http-call-64", "erlmcp 2026");
  const sdk = throughputOf(r, "http-call-64", "SDK v1 stateless");
  const raw = throughputOf(r, "http-call-64", "raw Bun.serve");
  const http64 = rowOf(r, "http-call-64", "erlmcp 2026");
  const ws = rowOf(r, "ws-call-16", "erlmcp ws");
  const tcp = rowOf(r, "tcp-call-16", "erlmcp tcp");
  const idle = (t: string) => r.idle.find((i) => i.scenario.transport === t)?.result.bytesPerSession;
  const scale = r.scale[0]?.result;
  const churn = r.churn.find((c) => c.scenario.transport === "http")?.result;
  const x = (v: number) => `${num(v, 2)}×`;
  const rate = (v: number) => `${num(v)} msg/s`;
  const us = (v: number) => `${num(v, 1)} µs`;
  return [
    atLeast("Streamable HTTP tools/call ≥ 25× SDK v1 stateless (64 connections)", erl && sdk ? erl / sdk : undefined, 25, x),
    atLeast("Streamable HTTP tools/call ≥ 0.7× raw Bun.serve JSON echo", erl && raw ? erl / raw : undefined, 0.7, x),
    atMost("Streamable HTTP p99 < 10 ms at 64 connections", http64?.latency.percentileMs(0.99), 10, (v) => `${ms(v)} ms`),
    atLeast("WebSocket tools/call, 16 in flight ≥ 100K msg/s", ws?.throughput, 100_000, rate),
    atMost("WebSocket ≤ 10 µs server CPU per message", ws?.cpuUsPerRequest, 10, us),
    atLeast("TCP tools/call, 16 in flight ≥ 100K msg/s", tcp?.throughput, 100_000, rate),
    atMost("TCP ≤ 10 µs server CPU per message", tcp?.cpuUsPerRequest, 10, us),
    atMost("Idle WebSocket session ≤ 4 KB server memory", idle("ws"), 4096, bytes),
    atMost("Idle TCP session ≤ 4 KB server memory", idle("tcp"), 4096, bytes),
    atMost("Open SSE stream ≤ 8 KB server memory", idle("http-sse"), 8192, bytes),
    scaleVerdict(r),
    ...(scale ? [atMost("Idle WebSocket session ≤ 4 KB server memory, at scale (RSS slope over the steps)", scale.bytesPerSession, 4096, bytes)] : []),
    churn
      ? {
          goal: "10,000 session churn: sessions and heap back to baseline",
          measured: `${num(churn.ok)} sessions churned; sessions ${churn.before?.sessions ?? "?"} → ${churn.after?.sessions ?? "?"}, heap ${churn.before?.heapUsed ? bytes(churn.before.heapUsed) : "?"} → ${churn.after?.heapUsed ? bytes(churn.after.heapUsed) : "?"}`,
          met: churn.ok >= 10_000 ? churn.backToBaseline : undefined,
          gap: churn.ok >= 10_000 ? "" : `back to baseline: ${churn.backToBaseline ? "yes" : "no"}; only ${num(churn.ok)} of 10,000 churned in this plan`,
        }
      : { goal: "10,000 session churn: sessions and heap back to baseline", measured: "not measured", met: undefined, gap: "" },
  ];
}

/** 100,000 sessions held at once, pinged with p99 under 50 ms at every step and while held. */
function scaleVerdict(r: Results): Verdict {
  const goal = "100,000 concurrent sessions, ping p99 < 50 ms";
  const x = r.scale[0]?.result;
  if (!x) return { goal, measured: "not run (bun run bench:scale)", met: undefined, gap: "" };
  const held = x.hold.end.connections ?? x.hold.end.sessions;
  const worst = Math.max(x.hold.ping.latency.percentileMs(0.99), ...x.steps.map((s) => s.ping.latency.percentileMs(0.99)));
  const errors = Object.values(x.hold.ping.errors).reduce((a, b) => a + b, 0);
  const measured = `${num(held)} held by ${x.shards} shards; ping p99 ${ms(x.hold.ping.latency.percentileMs(0.99))} ms held, worst step ${ms(worst)} ms; ${num(errors)} ping errors`;
  const met = held >= 100_000 && worst < 50 && errors === 0;
  const gap = met ? "" : held < 100_000 ? `held ${num(held)} of 100,000` : worst >= 50 ? `p99 ${num(worst / 50, 2)}× over` : `${num(errors)} ping errors`;
  return { goal, measured, met, gap };
}
