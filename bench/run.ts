/**
 * The benchmark harness.
 * `bun bench/run.ts [quick|full|shards|scale|profile|smoke] [--only ID,ID…] [--no-write] [--json FILE] [--docs DIR]`
 * runs a plan (bench/plan.ts) against erlmcp and its peers on loopback, prints the tables,
 * and (every plan but smoke) writes its region of docs/benchmarks.md and docs/bench/*.svg.
 * Every run is bounded: each trial has a deadline, the whole run has one, and every child
 * process (and any process it started, such as the appliance's shards) is stopped by its PID
 * at the end, on error and on Ctrl-C.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { execute, type Results } from "./execute.ts";
import { loadAverage } from "./load/procstat.ts";
import { PLANS } from "./plan.ts";
import { describeMachine } from "./report/machine.ts";
import { writeReport } from "./report/markdown.ts";
import { sections } from "./report/summary.ts";
import { textTable } from "./report/table.ts";
import { installCleanup, stopAll } from "./servers/children.ts";

/** How the report names the command that ran each plan (package.json scripts where there is one). */
const COMMANDS: Record<string, string> = { quick: "bun run bench", full: "bun run bench:full", scale: "bun run bench:scale", shards: "bun run bench:shards" };

/** Hard limits on a whole run, by plan: past it everything is stopped and the run fails. */
const RUN_LIMIT_MS: Record<string, number> = { smoke: 60_000, quick: 300_000, profile: 120_000, full: 3_600_000, shards: 300_000, scale: 600_000 };

const args = process.argv.slice(2);
const planName = args.find((a) => !a.startsWith("--") && !args[args.indexOf(a) - 1]?.match(/^--(json|docs|only)$/)) ?? "quick";
const option = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const fullPlan = PLANS[planName];
if (!fullPlan) {
  console.error(`bench: unknown plan ${planName} (one of ${Object.keys(PLANS).join(", ")})`);
  process.exit(2);
}
// --only runs some of the plan's scenarios, to look at one thing; a partial run never
// replaces the plan's recorded results.
const only = option("--only")?.split(",");
const unknown = only?.filter((id) => !fullPlan.scenarios.some((s) => s.id === id));
if (unknown?.length) {
  console.error(`bench: the ${planName} plan has no scenario ${unknown.join(", ")} (it has ${fullPlan.scenarios.map((s) => s.id).join(", ")})`);
  process.exit(2);
}
const plan = only ? { ...fullPlan, scenarios: fullPlan.scenarios.filter((s) => only.includes(s.id)) } : fullPlan;
const write = planName !== "smoke" && !only && !args.includes("--no-write");
const docsDir = option("--docs") ?? join(import.meta.dir, "..", "docs");

installCleanup();
const limit = setTimeout(() => {
  console.error(`bench: the ${planName} run passed its ${RUN_LIMIT_MS[planName]! / 1000} s limit; stopping`);
  void stopAll().finally(() => process.exit(124));
}, RUN_LIMIT_MS[planName]);

const machine = describeMachine();
console.error(`bench: ${planName} plan on ${machine.cpu} (${machine.cores} cores), load average ${machine.loadBefore.join(" ")}, ${machine.busyBefore?.toFixed(2) ?? "?"} cores busy now`);
let results: Results;
try {
  results = await execute(plan, (line) => console.error(line));
} finally {
  await stopAll();
}
machine.loadAfter = loadAverage();
clearTimeout(limit);

for (const s of sections(results)) console.log(`\n${s.title}\n${textTable(s.table)}`);
console.log(`\nbench: ${planName} run took ${(results.elapsedMs / 1000).toFixed(1)} s`);

const jsonFile = option("--json");
if (jsonFile)
  writeFileSync(
    jsonFile,
    JSON.stringify(
      {
        plan: planName,
        elapsedMs: results.elapsedMs,
        machine,
        load: results.load.map(({ scenario, rows }) => ({
          scenario: scenario.id,
          rows: rows.map((r) => ({ label: r.contestant.label, throughput: r.throughput, p99Ms: r.latency.percentileMs(0.99), errors: r.errors, cpuUsPerRequest: r.cpuUsPerRequest })),
        })),
        skipped: results.skipped,
      },
      null,
      2,
    ),
  );
if (write) for (const f of writeReport(results, machine, COMMANDS[planName] ?? `bun bench/run.ts ${planName}`, docsDir)) console.error(`bench: wrote ${f}`);
process.exit(results.skipped.length && planName === "smoke" ? 1 : 0);
