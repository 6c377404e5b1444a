/**
 * What the README and the example config say about the CLI, checked against the real CLI:
 * the banner as `erlmcp serve` prints it, and the validation command the config names.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startAppliance, type Appliance } from "../fixtures/cluster-appliance.ts";
import { runToEnd } from "./process.ts";

const ROOT = join(import.meta.dir, "../..");
const README = readFileSync(join(ROOT, "README.md"), "utf8");
const EXAMPLE = join(ROOT, "config/erlmcp.toml");
const started: Appliance[] = [];
afterEach(async () => {
  for (const a of started.splice(0)) await a.stop();
});

describe("README.md", () => {
  test("quotes the banner serve prints, shards included", async () => {
    const quoted = /^erlmcp \d+\.\d+\.\d+: profile .*serving MCP on .*$/m.exec(README)?.[0];
    const shards = /, (\d+) shards,/.exec(quoted ?? "")?.[1];
    expect(shards).toBeDefined();
    const a = await startAppliance(["--shards", shards!]);
    started.push(a);
    const printed = /^erlmcp \d.*serving MCP on .*$/m.exec(a.stderr())![0];
    expect(printed.replace(/:\d+\/mcp$/, ":4370/mcp")).toBe(quoted!);
  }, 60_000);

  test("quotes the line check-config prints for the example config", async () => {
    const quoted = /^\$ npx erlmcp check-config \S+\n(ok: .*)$/m.exec(README)?.[1];
    const r = await runToEnd([process.execPath, join(ROOT, "src/cli/main.ts"), "check-config", EXAMPLE]);
    expect(r.stdout).toBe(`${quoted}\n`);
  });
});

describe("README.md's commands", () => {
  test("run erlmcp the way an npm install provides it (npx erlmcp, npm start, dist/erlmcp), never a bare erlmcp", () => {
    const blocks = [...README.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
    const commands = blocks.flatMap((b) => b.split("\n")).filter((l) => /\berlmcp\b/.test(l.split("#")[0]!));
    expect(commands.length).toBeGreaterThan(0);
    for (const line of commands) expect(line).toMatch(/^(npx erlmcp |dist\/erlmcp |npm |bun |\.ci\/)/);
    expect(README).not.toMatch(/`erlmcp client /);
  });
});

describe("config/erlmcp.toml", () => {
  test("names a validation command that exists and accepts the file", async () => {
    const named = /^# Validate with: erlmcp (check-config) /m.exec(readFileSync(EXAMPLE, "utf8"))?.[1];
    expect(named).toBe("check-config");
    const r = await runToEnd([process.execPath, join(ROOT, "src/cli/main.ts"), named!, EXAMPLE]);
    expect(r.code).toBe(0);
  });
});
