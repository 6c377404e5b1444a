/**
 * CI smoke of the benchmark harness: the smoke plan (erlmcp only, tiny load, a few seconds)
 * runs end to end and reports a table with non-zero throughput and no errors. It checks that
 * the harness works, never the performance targets (this machine is shared and noisy).
 */
import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

interface SmokeJson {
  plan: string;
  load: { scenario: string; rows: { label: string; throughput: number; errors: Record<string, number> }[] }[];
  skipped: { what: string; why: string }[];
}

test("the smoke plan reports every scenario with throughput and no errors", async () => {
  const dir = mkdtempSync(join(tmpdir(), "erlmcp-bench-smoke-"));
  try {
    const json = join(dir, "smoke.json");
    const run = Bun.spawn([process.execPath, join(import.meta.dir, "../../bench/run.ts"), "smoke", "--json", json, "--docs", dir], {
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stdout, stderr, code] = await Promise.all([new Response(run.stdout).text(), new Response(run.stderr).text(), run.exited]);
    expect(code, stderr).toBe(0);
    expect(stdout).toContain("Throughput and latency (closed loop)");
    expect(stdout).toMatch(/http-call-2\s+erlmcp 2026/);

    const report = JSON.parse(readFileSync(json, "utf8")) as SmokeJson;
    expect(report.skipped).toEqual([]);
    expect(report.load.map((l) => l.scenario)).toEqual(["http-call-2", "ws-call-16", "tcp-call-16"]);
    const rows = report.load.flatMap((l) => l.rows);
    expect(rows.map((r) => r.label)).toEqual(["erlmcp 2026", "erlmcp 2025 session", "erlmcp ws", "erlmcp tcp"]);
    for (const row of rows) {
      expect(row.throughput, row.label).toBeGreaterThan(0);
      expect(row.errors, row.label).toEqual({});
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 90_000);
