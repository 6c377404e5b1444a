/**
 * One measurement ("trial") of one target: spawn the load workers, let them open their
 * connections, run the load over a window shared by every worker, and read the server's CPU
 * and memory from /proc at the window's edges. Each function returns plain numbers for the
 * report; nothing here knows about tables or charts.
 */
import type { Transport } from "./load/client.ts";
import { Histogram } from "./load/histogram.ts";
import type { Era, OpName } from "./load/mcp.ts";
import { deal, WorkerPool } from "./load/pool.ts";
import { sampleTree, type ProcSample } from "./load/procstat.ts";
import type { Job, Tally } from "./load/protocol.ts";
import { specsFor } from "./load/specs.ts";
import { addErrors } from "./load/tally.ts";
import type { RunningTarget } from "./servers/targets.ts";

/** Merged results of every worker. */
export interface Outcome {
  ok: number;
  errors: Record<string, number>;
  latency: Histogram;
  /** ok per second of the measured window. */
  throughput: number;
}

/** Adds up the workers' tallies. */
export function merge(tallies: Tally[]): Outcome {
  const latency = new Histogram();
  const errors: Record<string, number> = {};
  let ok = 0;
  for (const t of tallies) ok += t.ok, latency.merge(t.latency), addErrors(errors, t.errors);
  const windowMs = tallies[0]?.windowMs ?? 0;
  return { ok, errors, latency, throughput: windowMs ? (ok * 1000) / windowMs : 0 };
}

/** How a load trial is shaped. */
export interface LoadShape {
  transport: Transport;
  era: Era;
  op: OpName;
  connections: number;
  /** Closed loop: requests in flight per connection. */
  inflight?: number;
  /** Open loop: total requests per second (instead of inflight). */
  rate?: number;
  workers: number;
  sources: string[];
  warmupMs: number;
  durationMs: number;
}

/** A load trial's result. */
export interface LoadResult extends Outcome {
  /** Server CPU µs per successful request (process tree). */
  cpuUsPerRequest: number;
  /**
   * The load generator's CPU µs per successful request (its worker processes). It shares the
   * machine with the server: what it spends, the server cannot.
   */
  loadCpuUsPerRequest: number;
  /** The server's minor page faults per 1,000 successful requests. */
  faultsPer1000: number;
  /** Server CPU use over the window, in cores (1.0 = one core busy). */
  cpuCores: number;
  /** Server resident memory at the end of the window, bytes. */
  rssBytes: number;
}

/** Runs one closed- or open-loop trial against `target`. */
export async function runLoad(target: RunningTarget, shape: LoadShape): Promise<LoadResult> {
  const specs = specsFor(target, shape.transport, shape.era, shape.connections, shape.sources);
  const workers = Math.min(shape.workers, shape.connections);
  const jobs: Job[] = deal(specs, workers).map((clients) =>
    shape.rate ? { mode: "open", clients, op: shape.op, era: shape.era, rate: shape.rate / workers } : { mode: "closed", clients, op: shape.op, era: shape.era, inflight: shape.inflight ?? 1 },
  );
  const pool = new WorkerPool(jobs, shape.warmupMs + shape.durationMs + 90_000);
  try {
    const ready = await pool.all("ready");
    const failed = ready.reduce((errors, r) => addErrors(errors, r.failed), {} as Record<string, number>);
    // A stdio server is the worker's child, not the target's long-running process.
    const stdio = shape.transport === "stdio";
    const pids = stdio ? ready.flatMap((r) => r.pids) : [target.pid];
    const loaders = pool.workers.map((w) => w.child.pid);
    const startAt = Date.now() + 200;
    pool.broadcast({ type: "go", startAt, warmupMs: shape.warmupMs, durationMs: shape.durationMs });
    const from = startAt + shape.warmupMs;
    const [before, after] = await Promise.all([sampleAt([pids, loaders], from), sampleAt([pids, loaders], from + shape.durationMs)]);
    const outcome = merge((await pool.all("result")).map((r) => r.tally));
    addErrors(outcome.errors, failed);
    const cpuUs = after[0]!.cpuUs - before[0]!.cpuUs;
    // A stdio server is a child of its worker: its CPU is not the load generator's.
    const loadCpuUs = after[1]!.cpuUs - before[1]!.cpuUs - (stdio ? cpuUs : 0);
    return {
      ...outcome,
      cpuUsPerRequest: outcome.ok ? cpuUs / outcome.ok : 0,
      loadCpuUsPerRequest: outcome.ok ? loadCpuUs / outcome.ok : 0,
      faultsPer1000: outcome.ok ? ((after[0]!.minorFaults - before[0]!.minorFaults) * 1000) / outcome.ok : 0,
      cpuCores: cpuUs / (shape.durationMs * 1000),
      rssBytes: after[0]!.rssBytes,
    };
  } finally {
    await pool.close();
  }
}

/** At wall-clock time `at`, the summed /proc sample of each group of process trees. */
async function sampleAt(groups: number[][], at: number): Promise<ProcSample[]> {
  await Bun.sleep(Math.max(0, at - Date.now()));
  return groups.map(sampleSum);
}

function sampleSum(pids: number[]): ProcSample {
  const total = { cpuUs: 0, rssBytes: 0, minorFaults: 0, processes: 0 };
  for (const s of pids.map(sampleTree)) (total.cpuUs += s.cpuUs), (total.rssBytes += s.rssBytes), (total.minorFaults += s.minorFaults), (total.processes += s.processes);
  return total;
}

/** How an idle-sessions trial is shaped. */
export interface IdleShape {
  transport: Transport;
  /** Session counts to step through; memory is read at each. */
  steps: number[];
  workers: number;
  sources: string[];
  pingRate: number;
  pingMs: number;
}

/** Memory at each step, per-session cost, and ping latency at the top step. */
export interface IdleResult {
  /** heapBytes only when the target reports its heap (erlmcp's bench stats endpoint). */
  points: { sessions: number; rssBytes: number; heapBytes?: number }[];
  /** Least-squares slope of RSS over sessions, bytes per session. */
  bytesPerSession: number;
  /** The same slope for the JS heap, when known. */
  heapBytesPerSession?: number;
  ping: Outcome;
  openErrors: Record<string, number>;
}

/** Time for the server to settle (and its GC to run) before memory is read at a step. */
const SETTLE_MS = 500;

/** Opens idle 2025 sessions in steps, reading the server's RSS at each, then pings them. */
export async function runIdle(target: RunningTarget, shape: IdleShape): Promise<IdleResult> {
  const top = shape.steps[shape.steps.length - 1]!;
  const specs = specsFor(target, shape.transport, "2025", top, shape.sources);
  const shares = deal(specs, shape.workers);
  const pool = new WorkerPool(shares.map((clients) => ({ mode: "idle", clients })), 300_000);
  const openErrors: Record<string, number> = {};
  try {
    await pool.all("ready");
    const points = [{ sessions: 0, ...(await memoryOf(target)) }];
    let opened = 0;
    for (const step of shape.steps) {
      const want = step - opened;
      pool.workers.forEach((w, i) => w.send({ type: "open", count: Math.floor(want / shape.workers) + (i < want % shape.workers ? 1 : 0) }));
      for (const r of await pool.all("opened")) (opened += r.opened), addErrors(openErrors, r.failed);
      points.push({ sessions: opened, ...(await memoryOf(target)) });
    }
    pool.broadcast({ type: "ping", durationMs: shape.pingMs, rate: shape.pingRate / shape.workers });
    const ping = merge((await pool.all("result")).map((r) => r.tally));
    const heap = points.every((p) => p.heapBytes !== undefined) ? slope(points.map((p) => [p.sessions, p.heapBytes!])) : undefined;
    return { points, bytesPerSession: slope(points.map((p) => [p.sessions, p.rssBytes])), heapBytesPerSession: heap, ping, openErrors };
  } finally {
    await pool.close();
  }
}

/**
 * The server's memory once it has settled. A target with a stats endpoint runs a full GC
 * first (and reports its heap): without it, garbage left by earlier trials is collected at
 * random moments and RSS steps can even go down as sessions go up.
 */
async function memoryOf(target: RunningTarget): Promise<{ rssBytes: number; heapBytes?: number }> {
  let heapBytes: number | undefined;
  if (target.statsUrl)
    try {
      heapBytes = ((await (await fetch(target.statsUrl)).json()) as { heapUsed: number }).heapUsed;
    } catch {
      /* no heap figure; RSS still counts */
    }
  await Bun.sleep(SETTLE_MS);
  return { rssBytes: sampleTree(target.pid).rssBytes, ...(heapBytes === undefined ? {} : { heapBytes }) };
}

/** Least-squares slope of y over x. */
export function slope(points: [number, number][]): number {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return sxx ? points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0) / sxx : 0;
}
