/**
 * A second opinion on HTTP throughput from a load generator we did not write: wrk (Debian's
 * `wrk`) posting one 2026-07-28 stateless tools/call again and again, against erlmcp (the
 * library server, the appliance with its default shards) and the raw Bun.serve JSON echo, in
 * alternating trials of the same run. Loopback only; every trial is bounded by --seconds.
 *
 *   bun bench/wrk.ts [--seconds 10] [--connections 64,256] [--rounds 2] [--threads 1]
 *
 * Prints a Markdown table (req/s, p50/p99, non-2xx answers) and each erlmcp ÷ raw Bun ratio.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HEAD, MODERN_VERSION, OPS, prepare, type OpName } from "./load/mcp.ts";
import { targetDef, type RunningTarget } from "./servers/targets.ts";

const flag = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};
const seconds = Number(flag("seconds", "10"));
const connections = flag("connections", "64,256").split(",").map(Number);
const rounds = Number(flag("rounds", "2"));
const threads = Number(flag("threads", "1"));
if (!(seconds > 0 && seconds <= 60) || connections.some((c) => !(c > 0 && c <= 1024)) || !(rounds > 0 && rounds <= 5))
  throw new Error("bench/wrk.ts: --seconds 1..60, --connections 1..1024 each, --rounds 1..5");
if (!Bun.which("wrk")) {
  console.error("bench/wrk.ts: wrk is not installed (apt-get install -y wrk)");
  process.exit(2);
}

/** The contestants: who, which op its server answers, and what the ratio is taken against. */
const CONTESTANTS: { label: string; target: string; op: OpName }[] = [
  { label: "raw Bun.serve", target: "raw-bun", op: "call" },
  { label: "erlmcp 2026 (library)", target: "erlmcp", op: "call" },
  { label: `erlmcp serve 2026 (${navigator.hardwareConcurrency || 2} shards)`, target: "erlmcp-shards", op: "simple" },
];

/** A wrk script posting one prepared request with its 2026-07-28 headers. */
function luaFor(op: OpName): string {
  const p = prepare(op, "2026");
  const body = `${HEAD}1${p.tail}`;
  const o = OPS[op] as { method: string; name?: string };
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    Accept: "application/json, text/event-stream",
    "MCP-Protocol-Version": MODERN_VERSION,
    "Mcp-Method": o.method,
  };
  if (o.name) headers["Mcp-Name"] = o.name;
  const lines = ['wrk.method = "POST"', `wrk.body = ${JSON.stringify(body)}`];
  for (const [k, v] of Object.entries(headers)) lines.push(`wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`);
  return lines.join("\n") + "\n";
}

interface Trial {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
}

/** Milliseconds from wrk's latency notation (`812.00us`, `3.21ms`, `1.02s`). */
function ms(text: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text.trim());
  if (!m) return NaN;
  const v = Number(m[1]);
  return m[2] === "us" ? v / 1000 : m[2] === "s" ? v * 1000 : v;
}

async function trial(url: string, script: string, conns: number): Promise<Trial> {
  const proc = Bun.spawn(["wrk", `-t${Math.min(threads, conns)}`, `-c${conns}`, `-d${seconds}s`, "--latency", "-s", script, url], { stdout: "pipe", stderr: "pipe" });
  const out = await new Response(proc.stdout).text();
  if ((await proc.exited) !== 0) throw new Error(`wrk failed: ${await new Response(proc.stderr).text()}`);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const p50 = ms(/\n\s+50%\s+(\S+)/.exec(out)?.[1] ?? "");
  const p99 = ms(/\n\s+99%\s+(\S+)/.exec(out)?.[1] ?? "");
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  return { rps, p50, p99, non2xx };
}

const dir = mkdtempSync(join(tmpdir(), "erlmcp-wrk-"));
const running: { c: (typeof CONTESTANTS)[number]; target: RunningTarget; script: string }[] = [];
const started = performance.now();
try {
  for (const c of CONTESTANTS) {
    const target = await targetDef(c.target)!.start();
    const script = join(dir, `${c.target}.lua`);
    writeFileSync(script, luaFor(c.op));
    running.push({ c, target, script });
    console.error(`started ${c.label} (pid ${target.pid})`);
  }
  const urlOf = (t: RunningTarget) => `http://${t.surfaces.http!.host}:${t.surfaces.http!.port}${t.surfaces.http!.path}`;
  // Unmeasured load first: every process reaches its working heap and JIT tier before a trial counts.
  for (const r of running) await trial(urlOf(r.target), r.script, 64);

  const results = new Map<string, Trial[]>();
  for (const conns of connections)
    for (let round = 0; round < rounds; round++)
      for (const r of round % 2 ? [...running].reverse() : running) {
        const t = await trial(urlOf(r.target), r.script, conns);
        const key = `${conns}|${r.c.label}`;
        results.set(key, [...(results.get(key) ?? []), t]);
        console.error(`  ${conns} conns, ${r.c.label}: ${Math.round(t.rps)} req/s, p99 ${t.p99.toFixed(2)} ms${t.non2xx ? `, ${t.non2xx} non-2xx` : ""}`);
      }

  const best = (conns: number, label: string): Trial => results.get(`${conns}|${label}`)!.reduce((a, b) => (b.rps > a.rps ? b : a));
  const lines = [
    `wrk ${seconds} s trials, ${threads} thread(s), ${rounds} rounds alternating, best round shown; ${new Date().toISOString()}`,
    "",
    "| connections | server | req/s | p50 ms | p99 ms | non-2xx | ÷ raw Bun |",
    "|---:|---|---:|---:|---:|---:|---:|",
  ];
  for (const conns of connections) {
    const raw = best(conns, CONTESTANTS[0]!.label).rps;
    for (const { label } of CONTESTANTS) {
      const t = best(conns, label);
      lines.push(`| ${conns} | ${label} | ${Math.round(t.rps).toLocaleString("en")} | ${t.p50.toFixed(2)} | ${t.p99.toFixed(2)} | ${t.non2xx} | ${(t.rps / raw).toFixed(2)}× |`);
    }
  }
  console.log(lines.join("\n"));
  console.error(`bench/wrk.ts took ${((performance.now() - started) / 1000).toFixed(1)} s`);
} finally {
  for (const r of running) await r.target.stop();
  rmSync(dir, { recursive: true, force: true });
}
