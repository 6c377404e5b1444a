/**
 * A short run of the fuzz harness (bun run fuzz) over every target, the sharded set
 * included: up to 1,500 inputs each against a spawned appliance. It fails on any finding
 * not in fuzz/known.ts, and on a target that could not run or sent nothing, so the harness
 * itself cannot rot into passing vacuously.
 */
import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TARGETS } from "../../fuzz/targets/index.ts";

const RUN = join(import.meta.dir, "../../fuzz/run.ts");

interface Summary {
  seed: number;
  results: { target: string; inputs: number; unknown: number; error?: string }[];
  findings: { target: string; kind: string; detail: string; known?: string; input: string }[];
}

test(
  "every fuzz target runs up to 1,500 inputs with no unknown finding and the oracles holding",
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "erlmcp-fuzz-smoke-"));
    try {
      const summaryFile = join(dir, "summary.json");
      // --seconds bounds each target (a batch in progress finishes): about 25 s in all on a quiet machine, most of it starting appliances.
      // Batches of 250 give each target several oracle rounds (the RSS baseline is taken at the third).
      const proc = Bun.spawn([process.execPath, RUN, "--count", "1500", "--seconds", "2", "--batch", "250", "--findings", join(dir, "findings"), "--json", summaryFile], {
        stdout: "pipe",
        stderr: "pipe",
      });
      const killer = setTimeout(() => proc.kill("SIGKILL"), 240_000);
      const [code, stdout, stderr] = await Promise.all([proc.exited, new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
      clearTimeout(killer);
      const summary = JSON.parse(readFileSync(summaryFile, "utf8")) as Summary;
      const unknown = summary.findings.filter((f) => !f.known);
      expect({ seed: summary.seed, unknown }).toEqual({ seed: summary.seed, unknown: [] });
      expect(summary.results.map((r) => r.target).sort()).toEqual(Object.keys(TARGETS).sort());
      for (const r of summary.results) {
        expect({ target: r.target, error: r.error }).toEqual({ target: r.target, error: undefined });
        expect({ target: r.target, sent: r.inputs >= 250 }).toEqual({ target: r.target, sent: true });
      }
      expect({ code, stderr: code === 0 ? "" : stderr, stdout: code === 0 ? "" : stdout }).toEqual({ code: 0, stderr: "", stdout: "" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
  300_000,
);
