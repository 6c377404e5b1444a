/**
 * The chaos suite: `bun run chaos [--scenarios a,b] [--seconds S]`. Each scenario starts its
 * own appliance, injects its fault under load, checks its invariant and reports figures.
 * Prints a progress line every few seconds and a summary table; exits 1 if any invariant
 * fails (2 for a bad flag).
 */
import type { Scenario, ScenarioResult } from "./lib/report.ts";
import { SCENARIOS } from "./scenarios/index.ts";

/** Parsed command line. */
interface Args {
  scenarios: Scenario[];
  seconds: number;
}

function parseArgs(argv: string[]): Args | string {
  let names = Object.keys(SCENARIOS);
  let seconds = 5;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    if (flag === "--scenarios" && value) (names = value.split(",").filter(Boolean)), i++;
    else if (flag === "--seconds" && value && Number(value) > 0) (seconds = Number(value)), i++;
    else return `unknown or incomplete flag ${JSON.stringify(flag)}; usage: bun chaos/run.ts [--scenarios ${Object.keys(SCENARIOS).join(",")}] [--seconds S]`;
  }
  const unknown = names.filter((n) => !(n in SCENARIOS));
  if (unknown.length) return `unknown scenario ${unknown.join(", ")}; known: ${Object.keys(SCENARIOS).join(", ")}`;
  return { scenarios: names.map((n) => SCENARIOS[n]!), seconds };
}

/** Runs one scenario; a scenario that throws fails with the error as its one check. */
export async function runScenario(s: Scenario, seconds: number, print: (line: string) => void = console.log): Promise<ScenarioResult & { ms: number }> {
  const started = performance.now();
  let last = "starting";
  const ticker = setInterval(() => print(`  [${s.name} ${((performance.now() - started) / 1000).toFixed(0)}s] ${last}`), 3000);
  try {
    const result = await s.run({ seconds, progress: (line) => (last = line) });
    return { ...result, ms: performance.now() - started };
  } catch (e) {
    return { checks: [{ name: "scenario ran", ok: false, detail: e instanceof Error ? (e.stack ?? e.message) : String(e) }], figures: {}, ms: performance.now() - started };
  } finally {
    clearInterval(ticker);
  }
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (typeof args === "string") {
    console.error(`chaos: ${args}`);
    return 2;
  }
  const rows: { name: string; ok: boolean; ms: number }[] = [];
  for (const s of args.scenarios) {
    console.log(`\n== ${s.name}: ${s.invariant}`);
    const r = await runScenario(s, args.seconds);
    for (const c of r.checks) console.log(`  ${c.ok ? "PASS" : "FAIL"} ${c.name}: ${c.detail}`);
    for (const [k, v] of Object.entries(r.figures)) console.log(`  figure ${k}: ${v}`);
    for (const n of r.notes ?? []) console.log(`  note: ${n}`);
    rows.push({ name: s.name, ok: r.checks.length > 0 && r.checks.every((c) => c.ok), ms: r.ms });
  }
  const width = Math.max(8, ...rows.map((r) => r.name.length));
  console.log(`\n${"scenario".padEnd(width)}  verdict  seconds`);
  for (const r of rows) console.log(`${r.name.padEnd(width)}  ${(r.ok ? "pass" : "FAIL").padEnd(7)}  ${(r.ms / 1000).toFixed(1)}`);
  return rows.every((r) => r.ok) ? 0 : 1;
}

if (import.meta.main) process.exit(await main());
