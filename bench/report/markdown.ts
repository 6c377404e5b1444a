/**
 * Writes a run into docs/benchmarks.md: only the region between this plan's markers is
 * replaced (`<!-- bench:quick:start -->` … `end`), so the hand-written method and analysis
 * around it, and the other plan's results, stay. Charts go to docs/bench/<plan>-*.svg.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Results } from "../execute.ts";
import type { Machine } from "./machine.ts";
import { charts, sections } from "./summary.ts";
import { renderChart } from "./svg.ts";
import { markdownTable } from "./table.ts";

/** The Markdown of one run. */
export function resultsMarkdown(r: Results, machine: Machine, command: string, chartFiles: string[]): string {
  const load = (l: number[] | undefined) => (l ? l.map((x) => x.toFixed(2)).join(" / ") : "?");
  // The load average remembers the last minute (a previous bench run, say); busy cores now do not.
  const busy = (machine.busyBefore ?? machine.loadBefore[0]!) > machine.cores * 0.25;
  const ownWorkers = r.plan.scenarios.flatMap((s) => (s.kind === "load" && s.workers !== undefined ? [`${s.id}: ${s.workers}`] : []));
  const workers = `${r.plan.workers} load worker process(es)${ownWorkers.length ? ` (${ownWorkers.join(", ")})` : ""}`;
  const lines = [
    `### ${r.plan.name} run of ${r.started.toISOString().slice(0, 16).replace("T", " ")} UTC`,
    "",
    `- Command: \`${command}\` (took ${(r.elapsedMs / 1000).toFixed(0)} s)`,
    `- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memory} RAM, ${machine.os}; open-file limit ${machine.openFiles}`,
    `- Runtimes: Bun ${machine.bun}, Node ${machine.node}`,
    `- Load average (1/5/15 min) at start: ${load(machine.loadBefore)}; at end: ${load(machine.loadAfter)}` +
      (machine.busyBefore === undefined ? "" : `; cores busy in the second before the run: ${machine.busyBefore.toFixed(2)}`),
    r.plan.durationMs > 0
      ? `- Trials: ${r.plan.warmupMs} ms warm-up + ${r.plan.durationMs} ms measured${r.plan.firstWarmMs ? ` (each server path first warmed by ${r.plan.firstWarmMs} ms of unmeasured load)` : ""}, ${workers}, load generator on the same machine`
      : `- ${workers}, load generator on the same machine`,
  ];
  if (busy)
    lines.push(
      "",
      `> **Measured on a busy, shared machine** (${machine.busyBefore === undefined ? `load average ${machine.loadBefore[0]!.toFixed(2)}` : `${machine.busyBefore.toFixed(2)} cores busy`} of ${machine.cores} before the run, ` +
        "something else was running). Absolute numbers are low and noisy; the ratios, measured alternately in the same run, are the " +
        "useful part. Repeat `bun run bench:full` on a quiet machine before quoting any number.",
    );
  for (const s of sections(r)) lines.push("", `#### ${s.title}`, "", markdownTable(s.table));
  if (chartFiles.length) lines.push("", "#### Charts", "", ...chartFiles.map((f) => `![${f}](bench/${f})`));
  return lines.join("\n");
}

/** Replaces this plan's region of `docsDir`/benchmarks.md (appending it if absent) and writes the charts. */
export function writeReport(r: Results, machine: Machine, command: string, docsDir: string): string[] {
  mkdirSync(join(docsDir, "bench"), { recursive: true });
  const chartFiles: string[] = [];
  for (const [name, chart] of Object.entries(charts(r))) {
    const file = `${r.plan.name}-${name}`;
    writeFileSync(join(docsDir, "bench", file), renderChart(chart));
    chartFiles.push(file);
  }
  const path = join(docsDir, "benchmarks.md");
  const start = `<!-- bench:${r.plan.name}:start -->`;
  const end = `<!-- bench:${r.plan.name}:end -->`;
  const region = `${start}\n${resultsMarkdown(r, machine, command, chartFiles)}\n${end}`;
  const doc = existsSync(path) ? readFileSync(path, "utf8") : "# Benchmarks\n";
  const a = doc.indexOf(start);
  const b = doc.indexOf(end);
  const next = a >= 0 && b > a ? doc.slice(0, a) + region + doc.slice(b + end.length) : `${doc.trimEnd()}\n\n${region}\n`;
  writeFileSync(path, next);
  return [path, ...chartFiles.map((f) => join(docsDir, "bench", f))];
}
