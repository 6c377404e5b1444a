/**
 * The messages between the harness and its load workers (Bun IPC). A worker gets one job,
 * opens its connections, says "ready", and then follows commands; every number it reports is
 * mergeable (counts, histograms), so the harness adds workers up.
 */
import type { HistogramData } from "./histogram.ts";
import type { ClientSpec } from "./client.ts";
import type { Era, OpName } from "./mcp.ts";

/** What a worker does. */
export type Job =
  /** closed loop: every connection keeps `inflight` requests outstanding */
  | { mode: "closed"; clients: ClientSpec[]; op: OpName; era: Era; inflight: number }
  /** open loop: `rate` requests/s on a fixed schedule, latency from each intended send time */
  | { mode: "open"; clients: ClientSpec[]; op: OpName; era: Era; rate: number }
  /** idle sessions: open on command, ping some while they stay open, close on command */
  | { mode: "idle"; clients: ClientSpec[] }
  /** fan-out: every client subscribes to the ticker and timestamps each update */
  | { mode: "fanout"; clients: ClientSpec[] }
  /** churn: `concurrency` loops of open session → call → close, `iterations` in all (or until the window ends) */
  | { mode: "churn"; client: ClientSpec; concurrency: number; iterations: number };

/** Harness → worker. */
export type Command =
  | { type: "job"; job: Job; lifetimeMs: number }
  | { type: "go"; startAt: number; warmupMs: number; durationMs: number }
  | { type: "open"; count: number }
  | { type: "ping"; durationMs: number; rate: number }
  | { type: "finish"; sentAt: number[] }
  | { type: "close" };

/** The measured part of a run, as a worker reports it. */
export interface Tally {
  /** Successful requests (or iterations, or deliveries) in the measured window. */
  ok: number;
  /** Failures by kind ("http 503", "rpc -32000", "timeout"…). */
  errors: Record<string, number>;
  latency: HistogramData;
  /** The measured window's length in ms. */
  windowMs: number;
}

/** Worker → harness. */
export type Report =
  | { type: "ready"; opened: number; failed: Record<string, number>; pids: number[] }
  | { type: "opened"; opened: number; failed: Record<string, number> }
  | { type: "arrived"; round: number }
  | { type: "result"; tally: Tally; lastArrival?: number[] }
  | { type: "fatal"; message: string };

/** Wall-clock ms with sub-ms precision, comparable across processes on one machine. */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}
