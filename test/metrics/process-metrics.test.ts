/**
 * /metrics of a real appliance, one process and `--shards 2`: each shard's process series are
 * its own (labelled `shard`, never summed), the figures are Bun's (no Node stand-ins, no
 * series that are always empty under Bun), and `promtool check metrics` finds nothing.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { startAppliance, type Appliance } from "../fixtures/cluster-appliance.ts";

/** One sample of Prometheus text: name, labels, value. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parse(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

const scrape = async (a: Appliance) => {
  const r = await fetch(new URL("/metrics", a.url), { keepalive: false });
  expect(r.status).toBe(200);
  return r.text();
};

/** `promtool check metrics` on `text`; fails with how to install it when it is absent. */
async function promtool(text: string): Promise<{ code: number; complaints: string }> {
  const bin = Bun.which("promtool");
  if (!bin) throw new Error("promtool not found: install it with `apt-get install -y prometheus` (Debian/Ubuntu; .ci/run does this)");
  const p = Bun.spawn([bin, "check", "metrics"], { stdin: new Blob([text]), stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, complaints: (out + err).trim() };
}

/** The process series every shard reports once. */
const PER_PROCESS = [
  "erlmcp_process_cpu_seconds_total",
  "erlmcp_process_start_time_seconds",
  "erlmcp_process_resident_memory_bytes",
  "erlmcp_process_open_fds",
  "erlmcp_process_max_fds",
  "erlmcp_heap_used_bytes",
  "erlmcp_heap_total_bytes",
  "erlmcp_bun_version_info",
];

/** The soft RLIMIT_NOFILE of process `pid`. */
const maxFdsOf = (pid: number) => Number(/^Max open files\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/limits`, "utf8"))![1]);

describe.each([
  ["one process", ["--shards", "1"], 1],
  ["--shards 2", ["--shards", "2"], 2],
] as const)("/metrics of an appliance with %s", (_label, args, shards) => {
  let app: Appliance;
  let text: string;
  let pids: Map<string, number>;
  const startedAt = Date.now() / 1000;
  beforeAll(async () => {
    app = await startAppliance([...args]);
    // A few requests, so the request series are not empty either.
    for (let i = 0; i < 4; i++) await fetch(app.url, { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream", connection: "close" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }) }).then((r) => r.text());
    text = await scrape(app);
    if (shards === 1) pids = new Map([["0", app.proc.pid]]);
    else {
      const health = (await (await fetch(new URL("/healthz", app.url), { keepalive: false })).json()) as { shards: { shard: number; pid: number }[] };
      pids = new Map(health.shards.map((s) => [String(s.shard), s.pid]));
    }
  });
  afterAll(() => app?.stop());

  test("every process series is per shard: one series each, labelled with its shard", () => {
    const samples = parse(text);
    for (const name of PER_PROCESS) {
      const shardsSeen = samples.filter((s) => s.name === name).map((s) => s.labels.shard).sort();
      expect({ name, shards: shardsSeen }).toEqual({ name, shards: [...pids.keys()].sort() });
    }
  });

  test("max fds is each process's own limit and start time its own start, not a sum", () => {
    const samples = parse(text);
    for (const [shard, pid] of pids) {
      const of = (name: string) => samples.find((s) => s.name === name && s.labels.shard === shard)!.value;
      expect(of("erlmcp_process_max_fds")).toBe(maxFdsOf(pid));
      expect(of("erlmcp_process_start_time_seconds")).toBeGreaterThan(startedAt - 120);
      expect(of("erlmcp_process_start_time_seconds")).toBeLessThanOrEqual(Date.now() / 1000);
      // The JS heap of one idle process: real (above zero) and inside its resident memory.
      expect(of("erlmcp_heap_used_bytes")).toBeGreaterThan(0);
      expect(of("erlmcp_heap_used_bytes")).toBeLessThan(of("erlmcp_process_resident_memory_bytes"));
    }
  });

  test("the runtime is reported as Bun, and no Node-only series (always empty under Bun) is served", () => {
    const samples = parse(text);
    const info = samples.filter((s) => s.name === "erlmcp_bun_version_info");
    expect(info.map((s) => [s.labels.version, s.value])).toEqual([...pids.keys()].map(() => [Bun.version, 1]));
    const nodeOnly = samples.filter((s) => /nodejs_|heap_space|_gc_/.test(s.name)).map((s) => s.name);
    expect(nodeOnly).toEqual([]);
  });

  test("promtool check metrics finds no problem in a real scrape", async () => {
    expect(await promtool(text)).toEqual({ code: 0, complaints: "" });
  });
});
