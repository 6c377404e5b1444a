/**
 * A short run of the chaos suite inside `npm test`: two cheap scenarios whose invariants hold
 * today, briefly (the full suite is `bun run chaos`, docs/chaos.md). Each scenario starts its
 * own appliance on free loopback ports.
 */
import { expect, test } from "bun:test";
import { runScenario } from "../../chaos/run.ts";
import { SCENARIOS } from "../../chaos/scenarios/index.ts";

const quiet = () => {};

for (const name of ["flood", "kill-shard"]) {
  test(`chaos ${name}: its invariant holds`, async () => {
    const result = await runScenario(SCENARIOS[name]!, 2, quiet);
    const failed = result.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    expect(result.checks.length).toBeGreaterThan(2);
    expect(failed).toEqual([]);
  }, 60_000);
}
