/**
 * Carries out a plan: starts the targets it needs, runs each scenario's trials (peers
 * alternately, round by round), and gathers the results. A target that will not start or a
 * trial that fails is recorded as skipped, with the reason, and the run goes on.
 */
import { Histogram } from "./load/histogram.ts";
import { loopbackSources } from "./load/specs.ts";
import type { Contestant, Plan, Scenario } from "./plan.ts";
import { targetDef, type RunningTarget } from "./servers/targets.ts";
import { runScale, type ScaleResult } from "./trials-scale.ts";
import { runChurn, runFanout, type ChurnResult, type FanoutResult } from "./trials-sessions.ts";
import { runIdle, runLoad, type IdleResult, type LoadResult } from "./trials.ts";
import { addErrors } from "./load/tally.ts";
import { hotFunctions } from "./report/profile.ts";
import type { Table } from "./report/table.ts";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";

/** A contestant's trials in one load scenario, and their aggregate. */
export interface LoadRow {
  contestant: Contestant;
  trials: LoadResult[];
  throughput: number;
  latency: Histogram;
  errors: Record<string, number>;
  cpuUsPerRequest: number;
  loadCpuUsPerRequest: number;
  faultsPer1000: number;
  cpuCores: number;
  rssBytes: number;
}

/** One rate of an open-loop sweep. */
export interface SweepPoint {
  contestant: Contestant;
  rate: number;
  result: LoadResult;
}

/** Everything a run measured. */
export interface Results {
  plan: Plan;
  started: Date;
  elapsedMs: number;
  load: { scenario: Extract<Scenario, { kind: "load" }>; rows: LoadRow[] }[];
  sweeps: { scenario: Extract<Scenario, { kind: "sweep" }>; points: SweepPoint[] }[];
  idle: { scenario: Extract<Scenario, { kind: "idle" }>; result: IdleResult }[];
  fanout: { scenario: Extract<Scenario, { kind: "fanout" }>; result: FanoutResult }[];
  churn: { scenario: Extract<Scenario, { kind: "churn" }>; result: ChurnResult }[];
  scale: { scenario: Extract<Scenario, { kind: "scale" }>; result: ScaleResult }[];
  /** Profile plans: erlmcp's hottest functions per scenario. */
  profiles: { scenario: Scenario; hot: Table }[];
  skipped: { what: string; why: string }[];
}

function aggregate(contestant: Contestant, trials: LoadResult[]): LoadRow {
  const mean = (f: (t: LoadResult) => number) => trials.reduce((s, t) => s + f(t), 0) / trials.length;
  const latency = new Histogram();
  const errors: Record<string, number> = {};
  for (const t of trials) latency.merge(t.latency.toJSON()), addErrors(errors, t.errors);
  return {
    contestant,
    trials,
    throughput: mean((t) => t.throughput),
    latency,
    errors,
    cpuUsPerRequest: mean((t) => t.cpuUsPerRequest),
    loadCpuUsPerRequest: mean((t) => t.loadCpuUsPerRequest),
    faultsPer1000: mean((t) => t.faultsPer1000),
    cpuCores: mean((t) => t.cpuCores),
    rssBytes: Math.max(...trials.map((t) => t.rssBytes)),
  };
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).split("\n")[0]!.slice(0, 200);

/** Names of the targets a scenario uses. */
function targetsOf(s: Scenario): string[] {
  return s.kind === "load" || s.kind === "sweep" ? s.contestants.map((c) => c.target) : [s.target];
}

/** Where profile plans have erlmcp write its CPU profiles (one folder per scenario). */
const PROFILE_DIR = join(import.meta.dir, ".build", "profiles");

/** Runs `plan`; `log` gets one line per trial as it finishes. */
export async function execute(plan: Plan, log: (line: string) => void): Promise<Results> {
  const t0 = performance.now();
  const results: Results = { plan, started: new Date(), elapsedMs: 0, load: [], sweeps: [], idle: [], fanout: [], churn: [], scale: [], profiles: [], skipped: [] };
  const running = new Map<string, RunningTarget>();
  /** Server paths (target, transport, era) that had their first warm-up since they started. */
  const warmed = new Set<string>();
  const start = async (names: Iterable<string>, profileDir?: string) => {
    for (const name of names) {
      try {
        const def = targetDef(name);
        if (!def) throw new Error(`no target named ${name}`);
        running.set(name, await def.start(name === "erlmcp" ? profileDir : undefined));
        log(`started ${name}`);
      } catch (e) {
        results.skipped.push({ what: `target ${name}`, why: message(e) });
        log(`cannot start ${name}: ${message(e)}`);
      }
    }
  };
  const stop = async () => {
    await Promise.allSettled([...running.values()].map((t) => t.stop()));
    running.clear();
    warmed.clear();
  };
  try {
    if (!plan.profile) await start(new Set(plan.scenarios.flatMap(targetsOf)));
    for (const s of plan.scenarios) {
      log(`— ${s.title}`);
      if (!plan.profile) {
        await runScenario(s, plan, running, warmed, results, log);
        continue;
      }
      // A fresh erlmcp per scenario, so each profile covers exactly one workload.
      const dir = join(PROFILE_DIR, s.id);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      await start(new Set(targetsOf(s)), dir);
      await runScenario(s, plan, running, warmed, results, log);
      await stop();
      const hot = hotFunctions(dir);
      if (hot) results.profiles.push({ scenario: s, hot });
      else results.skipped.push({ what: `profile of ${s.id}`, why: `no profile was written to ${dir}` });
    }
  } finally {
    await stop();
    results.elapsedMs = performance.now() - t0;
  }
  return results;
}

/** Runs one scenario against the running targets, adding to `results`. */
async function runScenario(s: Scenario, plan: Plan, running: Map<string, RunningTarget>, warmed: Set<string>, results: Results, log: (line: string) => void): Promise<void> {
  const base = { warmupMs: plan.warmupMs, durationMs: plan.durationMs, workers: plan.workers, sources: [] as string[] };
  const spread = loopbackSources(plan.sources);
  const target = (name: string) => running.get(name);
  if (s.kind === "load") {
    const trials = new Map<string, LoadResult[]>();
    const shapeOf = (c: Contestant) => ({ ...base, workers: s.workers ?? plan.workers, transport: c.transport, era: c.era, op: c.op ?? s.op, connections: s.connections, inflight: s.inflight });
    // A stdio server is started afresh by every trial: there is nothing to warm.
    for (const c of s.contestants) {
      const t = target(c.target);
      const path = `${c.target} ${c.transport} ${c.era}`;
      if (!t || !plan.firstWarmMs || c.transport === "stdio" || warmed.has(path)) continue;
      warmed.add(path);
      log(`  warming ${c.label} for ${plan.firstWarmMs} ms (not measured)`);
      try {
        await runLoad(t, { ...shapeOf(c), warmupMs: 0, durationMs: plan.firstWarmMs });
      } catch {
        // The measured trials will fail the same way, and say why.
      }
    }
    for (let round = 0; round < s.rounds; round++)
      for (const c of s.contestants) {
        const t = target(c.target);
        if (!t) continue;
        try {
          const r = await runLoad(t, shapeOf(c));
          trials.set(c.label, [...(trials.get(c.label) ?? []), r]);
          log(`  ${c.label}: ${Math.round(r.throughput)} req/s, p99 ${r.latency.percentileMs(0.99).toFixed(2)} ms`);
        } catch (e) {
          results.skipped.push({ what: `${s.id} ${c.label}`, why: message(e) });
          log(`  ${c.label}: failed: ${message(e)}`);
        }
      }
    results.load.push({ scenario: s, rows: s.contestants.filter((c) => trials.has(c.label)).map((c) => aggregate(c, trials.get(c.label)!)) });
  } else if (s.kind === "sweep") {
    const points: SweepPoint[] = [];
    for (const rate of s.rates)
      for (const c of s.contestants) {
        const t = target(c.target);
        if (!t) continue;
        try {
          const r = await runLoad(t, { ...base, transport: c.transport, era: c.era, op: c.op ?? s.op, connections: s.connections, rate });
          points.push({ contestant: c, rate, result: r });
          log(`  ${c.label} @ ${rate}/s: ${Math.round(r.throughput)} req/s, p99 ${r.latency.percentileMs(0.99).toFixed(2)} ms`);
        } catch (e) {
          results.skipped.push({ what: `${s.id} ${c.label} @ ${rate}/s`, why: message(e) });
        }
      }
    results.sweeps.push({ scenario: s, points });
  } else {
    const t = target(s.target);
    if (!t) return;
    try {
      if (s.kind === "idle") {
        const result = await runIdle(t, { transport: s.transport, steps: s.steps, workers: plan.workers, sources: spread, pingRate: 200, pingMs: 1000 });
        results.idle.push({ scenario: s, result });
        log(`  ${Math.round(result.bytesPerSession)} bytes/session, ping p99 ${result.ping.latency.percentileMs(0.99).toFixed(2)} ms`);
      } else if (s.kind === "scale") {
        const result = await runScale(t, s, plan.workers, spread, log);
        results.scale.push({ scenario: s, result });
      } else if (s.kind === "fanout") {
        const result = await runFanout(t, s.transport, s.subscribers, s.rounds, plan.workers, spread);
        results.fanout.push({ scenario: s, result });
        log(`  ${result.subscribers} subscribers: all delivered p50 ${result.allDelivered.percentileMs(0.5).toFixed(2)} ms`);
      } else {
        const result = await runChurn(t, s.transport, s.concurrency, s.iterations, plan.workers, plan.durationMs * 15);
        results.churn.push({ scenario: s, result });
        log(`  ${result.ok} sessions at ${Math.round(result.throughput)}/s; back to baseline: ${result.backToBaseline}`);
      }
    } catch (e) {
      results.skipped.push({ what: s.id, why: message(e) });
      log(`  failed: ${message(e)}`);
    }
  }
}
