/**
 * Trials about sessions rather than request rate: one resources/updated fanned out to N
 * subscribers, and session churn with the check that the server's session count and heap
 * come back to where they started.
 */
import { openClient, type Transport } from "./load/client.ts";
import { Histogram } from "./load/histogram.ts";
import { prepare } from "./load/mcp.ts";
import { deal, WorkerPool } from "./load/pool.ts";
import { sampleTree } from "./load/procstat.ts";
import { wallMs } from "./load/protocol.ts";
import { specsFor } from "./load/specs.ts";
import { addErrors } from "./load/tally.ts";
import type { Outcome } from "./trials.ts";
import type { RunningTarget } from "./servers/targets.ts";

/** How long one round may take to reach every subscriber before the next round starts anyway. */
const ROUND_TIMEOUT_MS = 10_000;

/** Fan-out results: per-delivery latency, and per round the time until the last subscriber had it. */
export interface FanoutResult {
  subscribers: number;
  deliveries: Outcome;
  /** Time from trigger to the last delivery, one value per round (ms). */
  allDelivered: Histogram;
}

/** Subscribes `subscribers` sessions to the ticker, then triggers `rounds` updates one after another. */
export async function runFanout(target: RunningTarget, transport: Transport, subscribers: number, rounds: number, workers: number, sources: string[]): Promise<FanoutResult> {
  const specs = specsFor(target, transport, "2025", subscribers, sources);
  const pool = new WorkerPool(deal(specs, workers).map((clients) => ({ mode: "fanout", clients })), 120_000 + rounds * ROUND_TIMEOUT_MS);
  const trigger = await openClient(specsFor(target, transport, "2025", 1)[0]!);
  try {
    const ready = await pool.all("ready");
    const openErrors = ready.reduce((e, r) => addErrors(e, r.failed), {} as Record<string, number>);
    const touch = prepare("touch", "2025");
    const sentAt: number[] = [];
    for (let r = 0; r < rounds; r++) {
      sentAt.push(wallMs());
      const error = await trigger.call(touch);
      if (error) throw new Error(`touch: ${error}`);
      await Promise.race([pool.all("arrived"), Bun.sleep(ROUND_TIMEOUT_MS)]);
    }
    pool.broadcast({ type: "finish", sentAt });
    const results = await pool.all("result");
    const latency = new Histogram();
    const errors = { ...openErrors };
    let ok = 0;
    for (const { tally } of results) (ok += tally.ok), latency.merge(tally.latency), addErrors(errors, tally.errors);
    const allDelivered = new Histogram();
    sentAt.forEach((sent, r) => {
      const last = Math.max(...results.map((x) => x.lastArrival?.[r] ?? Number.NaN));
      if (Number.isFinite(last)) allDelivered.recordMs(last - sent);
    });
    return { subscribers: ready.reduce((n, r) => n + r.opened, 0), deliveries: { ok, errors, latency, throughput: 0 }, allDelivered };
  } finally {
    await trigger.end();
    await pool.close();
  }
}

/** What the server says about itself (erlmcp's bench stats endpoint, or /healthz). */
interface ServerStats {
  sessions: number;
  heapUsed?: number;
}

async function statsOf(target: RunningTarget): Promise<ServerStats | undefined> {
  const url = target.statsUrl ?? target.healthUrl;
  if (!url) return undefined;
  try {
    return (await (await fetch(url)).json()) as ServerStats;
  } catch {
    return undefined;
  }
}

/** Churn results with the before/after check. */
export interface ChurnResult extends Outcome {
  before?: ServerStats;
  after?: ServerStats;
  rssBeforeBytes: number;
  rssAfterBytes: number;
  /** Sessions and heap back to baseline (heap within 10 %, or 2 MB) after the churn. */
  backToBaseline: boolean | undefined;
}

/** How long the server gets to close the churned sessions before the after-reading. */
const SETTLE_MS = 1000;

/** Runs `concurrency` open → call → close loops until `iterations` are done or `maxMs` passes. */
export async function runChurn(target: RunningTarget, transport: Transport, concurrency: number, iterations: number, workers: number, maxMs: number): Promise<ChurnResult> {
  const spec = specsFor(target, transport, "2025", 1)[0]!;
  const before = await statsOf(target);
  const rssBeforeBytes = sampleTree(target.pid).rssBytes;
  const per = Math.max(1, Math.round(concurrency / workers));
  const share = Math.ceil(iterations / workers);
  const pool = new WorkerPool(Array.from({ length: workers }, () => ({ mode: "churn" as const, client: spec, concurrency: per, iterations: share })), maxMs + 60_000);
  let outcome: Outcome;
  try {
    await pool.all("ready");
    pool.broadcast({ type: "go", startAt: Date.now() + 200, warmupMs: 0, durationMs: maxMs });
    const tallies = (await pool.all("result")).map((r) => r.tally);
    const latency = new Histogram();
    const errors: Record<string, number> = {};
    let ok = 0;
    for (const t of tallies) (ok += t.ok), latency.merge(t.latency), addErrors(errors, t.errors);
    const tookMs = Math.max(...tallies.map((t) => t.windowMs));
    outcome = { ok, errors, latency, throughput: tookMs ? (ok * 1000) / tookMs : 0 };
  } finally {
    await pool.close();
  }
  await Bun.sleep(SETTLE_MS);
  const after = await statsOf(target);
  const heapBack = !before?.heapUsed || !after?.heapUsed || after.heapUsed <= Math.max(before.heapUsed * 1.1, before.heapUsed + 2 * 1024 * 1024);
  return {
    ...outcome,
    before,
    after,
    rssBeforeBytes,
    rssAfterBytes: sampleTree(target.pid).rssBytes,
    backToBaseline: before && after ? after.sessions <= before.sessions && heapBack : undefined,
  };
}
