/**
 * `bun run fuzz`: the fuzz harness. Generated and mutated inputs for every transport of a
 * spawned appliance on 127.0.0.1 (and for the config loader), bounded per target by a count
 * and a time; oracles after every batch; a summary table at the end.
 *
 *   bun fuzz/run.ts [--seed N] [--count N] [--seconds S] [--targets a,b] [--batch N]
 *                   [--shards N] [--rss-mb N] [--findings DIR] [--json FILE]
 *
 * Exit code: 0 when no unknown finding, 1 otherwise, 2 for a usage error.
 */
import { writeFileSync } from "node:fs";
import { Findings, preview } from "./findings.ts";
import { KNOWN_DEFECTS } from "./known.ts";
import { randomSeed, Rng } from "./prng.ts";
import { runTarget, type TargetResult } from "./runner.ts";
import { TARGETS } from "./targets/index.ts";

const DEFAULT_TARGETS = Object.keys(TARGETS);

interface Options {
  seed: number;
  count: number;
  seconds: number;
  targets: string[];
  batch: number;
  shards: number;
  rssMb: number;
  findings: string;
  json?: string;
}

function parse(argv: string[]): Options {
  const o: Options = { seed: randomSeed(), count: 1_000_000, seconds: 60, targets: DEFAULT_TARGETS, batch: 2000, shards: 2, rssMb: 1024, findings: "fuzz-findings" };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[++i];
    if (value === undefined) usage(`${flag} needs a value`);
    const num = () => (Number.isFinite(Number(value)) && Number(value) >= 0 ? Number(value) : usage(`${flag}: expected a number, got ${value}`));
    if (flag === "--seed") o.seed = num() >>> 0;
    else if (flag === "--count") o.count = num();
    else if (flag === "--seconds") o.seconds = num();
    else if (flag === "--batch") o.batch = Math.max(1, num());
    else if (flag === "--shards") o.shards = num();
    else if (flag === "--rss-mb") o.rssMb = num();
    else if (flag === "--findings") o.findings = value!;
    else if (flag === "--json") o.json = value;
    else if (flag === "--targets") {
      o.targets = value!.split(",").filter(Boolean);
      for (const t of o.targets) if (!(t in TARGETS)) usage(`unknown target ${t} (known: ${DEFAULT_TARGETS.join(", ")})`);
    } else usage(`unknown flag ${flag}`);
  }
  if (o.shards < 2) o.targets = o.targets.filter((t) => !t.endsWith("@shards"));
  return o;
}

function usage(problem: string): never {
  process.stderr.write(`fuzz: ${problem}\nusage: bun fuzz/run.ts [--seed N] [--count N] [--seconds S] [--targets ${DEFAULT_TARGETS.join(",")}] [--batch N] [--shards N] [--rss-mb N] [--findings DIR] [--json FILE]\n`);
  process.exit(2);
}

function table(results: TargetResult[]): string {
  const rows = [["target", "inputs", "seconds", "inputs/s", "peak RSS MiB", "new", "known"]];
  for (const r of results) rows.push([r.target, String(r.inputs), r.seconds.toFixed(1), (r.inputs / r.seconds).toFixed(0), String(r.peakRssMb), String(r.unknown), String(r.known)]);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  return rows.map((row) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ")).join("\n");
}

const o = parse(process.argv.slice(2));
const log = (line: string) => process.stderr.write(`fuzz: ${line}\n`);
log(`seed ${o.seed} (replay with --seed ${o.seed}); per target: ${o.count} inputs or ${o.seconds} s; targets ${o.targets.join(",")}`);
const root = new Rng(o.seed);
const findings = new Findings(o.findings, o.seed);
const results: TargetResult[] = [];
for (const name of o.targets) {
  log(`${name}: starting`);
  results.push(await runTarget(TARGETS[name]!(), root.fork(name), { count: o.count, seconds: o.seconds, batch: o.batch, rssBoundBytes: o.rssMb * 2 ** 20, shards: o.shards, progressMs: 5000 }, findings, log));
}
process.stdout.write(`\n${table(results)}\n`);
const unknown = findings.unknown();
for (const f of unknown.slice(0, 30)) process.stdout.write(`NEW ${f.target} ${f.kind}: ${f.detail}${f.via ? ` [${f.via}]` : ""} ${preview(f.input, 160)}\n`);
const known = new Map<string, number>();
for (const f of findings.all) if (f.known) known.set(f.known, (known.get(f.known) ?? 0) + 1);
for (const [id, n] of known) process.stdout.write(`known ${id} (${KNOWN_DEFECTS.find((d) => d.id === id)!.title}): ${n}\n`);
process.stdout.write(`seed ${o.seed}; ${unknown.length} new finding(s)${unknown.length ? `, saved under ${o.findings}/` : ""}\n`);
if (o.json) writeFileSync(o.json, JSON.stringify({ seed: o.seed, results, findings: findings.all.map((f) => ({ ...f, input: preview(f.input, 500) })) }, null, 2));
process.exit(unknown.length ? 1 : 0);
