/**
 * The scale trial (issue 6's proof): idle 2025 sessions opened in steps on one appliance by
 * several load workers from several source addresses; at each step the server's memory (RSS
 * of the primary and every shard, the JS heap and open connections from its /metrics, the
 * kernel's TCP memory) and ping latency over a random sample of the open sessions; then every
 * session held and pinged for a while, closed, and the server read again to see its
 * connection count and memory come back.
 */
import { deal, WorkerPool } from "./load/pool.ts";
import { descendants, kernelTcpBytes, openFds, rssOf, sampleTree } from "./load/procstat.ts";
import { specsFor } from "./load/specs.ts";
import { addErrors } from "./load/tally.ts";
import type { ScaleScenario } from "./plan.ts";
import type { RunningTarget } from "./servers/targets.ts";
import { merge, slope, type Outcome } from "./trials.ts";

/** One process of the server at a reading. */
export interface ProcReading {
  pid: number;
  /** The primary (the target's own PID) rather than a shard. */
  primary: boolean;
  rssBytes: number;
  /** Open file descriptors: its sockets, mostly. */
  fds: number;
}

/** What the server looked like at one moment. */
export interface ScaleReading {
  /** Sessions the load generator holds open. */
  sessions: number;
  /** RSS of the primary and every shard. */
  rssBytes: number;
  /** JS heap in use, summed over the shards (/metrics `nodejs_heap_size_used_bytes`); no GC is forced. */
  heapBytes?: number;
  /** Connections the server counts open (/metrics `connections_open`, summed over the shards). */
  connections?: number;
  /** The kernel's TCP socket memory, machine-wide (both ends of every loopback connection). */
  kernelTcpBytes: number;
  processes: ProcReading[];
  /** ms since the trial started. */
  atMs: number;
}

/** One step up. */
export interface ScaleStep extends ScaleReading {
  /** How long opening this step's sessions took (ms). */
  openMs: number;
  /** Sessions opened by this step (the load generator's count). */
  opened: number;
  /** Pings over a random sample of every open session, after the step's memory reading. */
  ping: Outcome;
}

/** Everything the scale trial measured. */
export interface ScaleResult {
  shards: number;
  workers: number;
  sources: number;
  baseline: ScaleReading;
  steps: ScaleStep[];
  /** Least-squares slope of RSS over sessions, baseline included: bytes per session. */
  bytesPerSession: number;
  /** The same for the JS heap (summed over shards, no forced GC). */
  heapBytesPerSession?: number;
  /** The same for the kernel's TCP memory (both ends of each connection, loopback). */
  kernelBytesPerSession: number;
  /** Every session held open, pinged throughout. */
  hold: { ms: number; ping: Outcome; end: ScaleReading };
  /** After closing every session: how long until the server's open connections were back to the baseline, and the reading then. */
  closed?: { backMs: number | undefined; after: ScaleReading; healthSessions?: number };
  openErrors: Record<string, number>;
}

/** The value of one unlabelled metric in Prometheus text, if present. */
export function metricValue(text: string, name: string): number | undefined {
  const m = new RegExp(`^${name}(?:\\{\\})? ([-+0-9.eE]+|NaN)$`, "m").exec(text);
  return m ? Number(m[1]) : undefined;
}

async function readServer(target: RunningTarget, sessions: number, t0: number): Promise<ScaleReading> {
  let heapBytes: number | undefined;
  let connections: number | undefined;
  if (target.metricsUrl)
    try {
      const text = await (await fetch(target.metricsUrl)).text();
      heapBytes = metricValue(text, "erlmcp_nodejs_heap_size_used_bytes");
      connections = metricValue(text, "erlmcp_connections_open");
    } catch {
      /* the /proc figures still count */
    }
  const processes = [target.pid, ...descendants(target.pid)].map((pid) => ({ pid, primary: pid === target.pid, rssBytes: rssOf(pid), fds: openFds(pid) }));
  return {
    sessions,
    rssBytes: sampleTree(target.pid).rssBytes,
    ...(heapBytes === undefined ? {} : { heapBytes }),
    ...(connections === undefined ? {} : { connections }),
    kernelTcpBytes: kernelTcpBytes(),
    processes,
    atMs: performance.now() - t0,
  };
}

/** How long the server gets to notice every close before the after-reading is given up on. */
const CLOSE_WAIT_MS = 60_000;

/** Runs the scale scenario against `target` with `workers` load processes over `sources`. */
export async function runScale(target: RunningTarget, s: ScaleScenario, workers: number, sources: string[], log: (line: string) => void): Promise<ScaleResult> {
  const t0 = performance.now();
  const top = s.steps[s.steps.length - 1]!;
  const specs = specsFor(target, s.transport, "2025", top, sources);
  // Every command (a step's opening) may take minutes at this size; the run's own limit bounds the whole.
  const pool = new WorkerPool(deal(specs, workers).map((clients) => ({ mode: "idle", clients })), 540_000, 240_000);
  const openErrors: Record<string, number> = {};
  const ping = async (ms: number) => {
    pool.broadcast({ type: "ping", durationMs: ms, rate: s.pingRate / workers });
    return merge((await pool.all("result")).map((r) => r.tally));
  };
  let result: Omit<ScaleResult, "closed">;
  try {
    await pool.all("ready");
    const baseline = await readServer(target, 0, t0);
    log(`  baseline: RSS ${mb(baseline.rssBytes)} over ${baseline.processes.length} processes`);
    const steps: ScaleStep[] = [];
    let opened = 0;
    for (const step of s.steps) {
      const want = step - opened;
      const started = performance.now();
      pool.workers.forEach((w, i) => w.send({ type: "open", count: Math.floor(want / workers) + (i < want % workers ? 1 : 0) }));
      for (const r of await pool.all("opened")) (opened += r.opened), addErrors(openErrors, r.failed);
      const openMs = performance.now() - started;
      await Bun.sleep(s.settleMs);
      const reading = await readServer(target, opened, t0);
      const p = await ping(s.pingMs);
      steps.push({ ...reading, openMs, opened, ping: p });
      log(
        `  ${opened} sessions (${Math.round(((want || 1) * 1000) / openMs)}/s): RSS ${mb(reading.rssBytes)}, connections ${reading.connections ?? "?"}, ` +
          `ping p50 ${p.latency.percentileMs(0.5).toFixed(2)} p99 ${p.latency.percentileMs(0.99).toFixed(2)} max ${p.latency.percentileMs(1).toFixed(2)} ms` +
          `${Object.keys(p.errors).length ? ` errors ${JSON.stringify(p.errors)}` : ""}${Object.keys(openErrors).length ? ` open errors ${JSON.stringify(openErrors)}` : ""}`,
      );
    }
    log(`  holding ${opened} sessions for ${s.holdMs / 1000} s, pinging ${s.pingRate}/s`);
    const held = await ping(s.holdMs);
    const end = await readServer(target, opened, t0);
    log(`  held: connections ${end.connections ?? "?"}, ping p99 ${held.latency.percentileMs(0.99).toFixed(2)} max ${held.latency.percentileMs(1).toFixed(2)} ms`);
    const points = [baseline, ...steps];
    const heapKnown = points.every((p) => p.heapBytes !== undefined);
    result = {
      shards: target.shards ?? 1,
      workers,
      sources: Math.max(1, sources.length),
      baseline,
      steps,
      bytesPerSession: slope(points.map((p) => [p.sessions, p.rssBytes])),
      ...(heapKnown ? { heapBytesPerSession: slope(points.map((p) => [p.sessions, p.heapBytes!])) } : {}),
      kernelBytesPerSession: slope(points.map((p) => [p.sessions, p.kernelTcpBytes])),
      hold: { ms: s.holdMs, ping: held, end },
      openErrors,
    };
  } finally {
    // Workers close their sessions (a close frame each) and exit; any that do not are stopped by PID.
    await pool.close();
  }
  const closedAt = performance.now();
  let backMs: number | undefined;
  while (performance.now() - closedAt < CLOSE_WAIT_MS) {
    const now = await readServer(target, 0, t0);
    if (now.connections !== undefined && now.connections <= (result.baseline.connections ?? 0)) {
      backMs = performance.now() - closedAt;
      break;
    }
    await Bun.sleep(250);
  }
  await Bun.sleep(s.settleMs);
  const after = await readServer(target, 0, t0);
  let healthSessions: number | undefined;
  try {
    if (target.healthUrl) healthSessions = ((await (await fetch(target.healthUrl)).json()) as { sessions: number }).sessions;
  } catch {
    /* not reported */
  }
  log(`  closed: connections ${after.connections ?? "?"} after ${backMs === undefined ? "(not back)" : `${Math.round(backMs)} ms`}, RSS ${mb(after.rssBytes)}`);
  return { ...result, closed: { backMs, after, ...(healthSessions === undefined ? {} : { healthSessions }) } };
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;
