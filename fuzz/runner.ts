/**
 * Runs one target: starts the appliance it needs, opens a long-lived session, sends batches
 * until the count or the time is spent, runs the oracles after each batch, prints a progress
 * line every few seconds, and stops the appliance by its PID.
 */
import { startAppliance, type Appliance } from "./appliance.ts";
import type { Findings } from "./findings.ts";
import { checkAppliance, openSession, RssWatch } from "./oracles.ts";
import type { Rng } from "./prng.ts";
import type { Target, TargetEnv } from "./targets/target.ts";

/** How one target's run is bounded and watched. */
export interface RunLimits {
  count: number;
  seconds: number;
  batch: number;
  rssBoundBytes: number;
  shards: number;
  progressMs: number;
}

/** One target's figures for the summary. */
export interface TargetResult {
  target: string;
  inputs: number;
  seconds: number;
  peakRssMb: number;
  known: number;
  unknown: number;
  outcomes: Record<string, number>;
  /** Set when the target could not run at all. */
  error?: string;
}

const mb = (b: number) => Math.round(b / 2 ** 20);

/** Runs `target` within `limits`; findings go to `findings`. */
export async function runTarget(target: Target, rng: Rng, limits: RunLimits, findings: Findings, log: (line: string) => void): Promise<TargetResult> {
  const started = performance.now();
  const outcomes: Record<string, number> = {};
  const rss = new RssWatch(limits.rssBoundBytes);
  let app: Appliance | undefined;
  let inputs = 0;
  let error: string | undefined;
  try {
    if (target.needs !== "none") app = await startAppliance({ stdio: target.needs === "stdio", shards: target.name.endsWith("@shards") ? limits.shards : 1 });
    const env: TargetEnv = {
      rng,
      app: app ?? noAppliance,
      report: (r) => void findings.add({ target: target.name, ...r }),
      count: (o) => void (outcomes[o] = (outcomes[o] ?? 0) + 1),
    };
    const longLived = app?.httpUrl ? await openSession(app.httpUrl) : undefined;
    await target.open(env);
    // The time limit counts from here: starting an appliance (and its shards) is not fuzzing.
    const fuzzing = performance.now();
    let lastProgress = fuzzing;
    let lastInputs = 0;
    const elapsed = () => (performance.now() - fuzzing) / 1000;
    while (inputs < limits.count && elapsed() < limits.seconds) {
      inputs += await target.batch(Math.min(limits.batch, limits.count - inputs));
      const problems = app ? await checkAppliance(app, longLived, rss) : [];
      if (target.oracle) problems.push(...(await target.oracle()));
      for (const p of problems) findings.add({ target: target.name, ...p, detail: `after input ${inputs}: ${p.detail}` });
      if (app && !app.alive()) break;
      const now = performance.now();
      if (now - lastProgress >= limits.progressMs) {
        const rate = ((inputs - lastInputs) * 1000) / (now - lastProgress);
        const f = findings.byTarget(target.name);
        log(`${target.name}: ${inputs} inputs, ${rate.toFixed(0)}/s, server RSS ${app ? mb(rss.last) : "-"} MiB, findings ${f.unknown} new + ${f.known} known`);
        lastProgress = now;
        lastInputs = inputs;
      }
    }
    await target.close();
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
    findings.add({ target: target.name, kind: "oracle", detail: `the target failed: ${error}` });
  } finally {
    await app?.stop();
  }
  const f = findings.byTarget(target.name);
  return { target: target.name, inputs, seconds: (performance.now() - started) / 1000, peakRssMb: mb(rss.peak), known: f.known, unknown: f.unknown, outcomes, error };
}

/** For in-process targets, which have no appliance. */
const noAppliance: Appliance = {
  proc: undefined as never,
  dir: "",
  stderr: () => "",
  alive: () => true,
  rss: () => 0,
  stop: async () => {},
};
