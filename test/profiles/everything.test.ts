/**
 * The everything profile in process: what install() registers, its timers (period knobs,
 * stop function, unref), and its one-line errors for bad knob values.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { fileURLToPath } from "node:url";
import { LocalError } from "../../src/jsonrpc/errors.ts";
import { PROFILES } from "../../src/profiles/index.ts";
import { createServer } from "../../src/create-server.ts";
import type { McpServer } from "../../src/server/server.ts";
import { CONFORMANCE_TOOLS, CONFORMANCE_TOOLS_2026_07_28, CONFORMANCE_TASK_TOOLS } from "../fixtures/conformance-tools.ts";

const profile = PROFILES.everything!;
const KNOBS = ["ERLMCP_WATCH_INTERVAL_MS", "ERLMCP_DYNAMIC_DELAY_MS"] as const;
const saved = Object.fromEntries(KNOBS.map((k) => [k, process.env[k]]));
afterEach(() => {
  for (const k of KNOBS) if (saved[k] === undefined) delete process.env[k];
  else process.env[k] = saved[k];
});

const newServer = (): McpServer => createServer({ name: "t", version: "1" });

describe("install", () => {
  test("registers exactly the conformance fixtures, each described", () => {
    const server = newServer();
    const stop = profile.install(server);
    try {
      const { registry } = server;
      expect(registry.listTools().map((t) => t.name)).toEqual([...CONFORMANCE_TOOLS, ...CONFORMANCE_TOOLS_2026_07_28, ...CONFORMANCE_TASK_TOOLS]);
      const uris = registry.listResources().map((r) => r.uri);
      expect(uris.filter((u) => u.startsWith("test://"))).toEqual(["test://stateless-static-text", "test://static-text", "test://static-binary", "test://watched-resource"]);
      // The sep-2640-* scenarios' skills: every file of each is a resource, and nothing else is.
      const skills = registry.skills.list();
      expect(skills.map((s) => s.uri)).toEqual(["skill://pdf-processing/SKILL.md", "skill://acme/billing/refunds/SKILL.md"]);
      expect(uris.filter((u) => !u.startsWith("test://")).sort()).toEqual(skills.flatMap((s) => (s.resources as { uri: string }[]).map((f) => f.uri)).sort());
      expect(registry.listTemplates().map((t) => t.uriTemplate)).toEqual(["test://template/{id}/data"]);
      expect(registry.listPrompts().map((p) => p.name)).toEqual([
        "test_input_required_result_prompt",
        "test_simple_prompt",
        "test_prompt_with_arguments",
        "test_prompt_with_embedded_resource",
        "test_prompt_with_image",
      ]);
      const described = [...registry.listTools(), ...registry.listResources(), ...registry.listTemplates(), ...registry.listPrompts()];
      for (const item of described) expect(item.description?.length).toBeGreaterThan(0);
    } finally {
      stop();
    }
  });

  test("adds the dynamic tool, resource and prompt after ERLMCP_DYNAMIC_DELAY_MS", async () => {
    process.env.ERLMCP_DYNAMIC_DELAY_MS = "20";
    const server = newServer();
    const kinds: string[] = [];
    server.changes.onListChanged((kind) => kinds.push(kind));
    const stop = profile.install(server);
    await Bun.sleep(5);
    kinds.length = 0; // the install itself changed every list
    await Bun.sleep(60);
    stop();
    expect(server.registry.tool("test_dynamic_tool")).toBeDefined();
    expect(server.registry.resource("test://dynamic-resource")).toBeDefined();
    expect(server.registry.prompt("test_dynamic_prompt")).toBeDefined();
    expect(kinds.sort()).toEqual(["prompts", "resources", "tools"]);
  });

  test("changes test://watched-resource every ERLMCP_WATCH_INTERVAL_MS until stopped", async () => {
    process.env.ERLMCP_WATCH_INTERVAL_MS = "10";
    const server = newServer();
    let updates = 0;
    server.changes.onResourceUpdated("test://watched-resource", () => void updates++);
    const stop = profile.install(server);
    await Bun.sleep(75);
    expect(updates).toBeGreaterThanOrEqual(3);
    stop();
    const atStop = updates;
    await Bun.sleep(50);
    expect(updates).toBe(atStop);
  });

  test("the stop function cancels a pending dynamic registration", async () => {
    process.env.ERLMCP_DYNAMIC_DELAY_MS = "20";
    const server = newServer();
    profile.install(server)();
    await Bun.sleep(60);
    expect(server.registry.tool("test_dynamic_tool")).toBeUndefined();
  });
});

describe("timer knobs", () => {
  const cases: [string, string, string][] = [
    ["ERLMCP_WATCH_INTERVAL_MS", "0", 'ERLMCP_WATCH_INTERVAL_MS="0": expected a number of milliseconds >= 1'],
    ["ERLMCP_WATCH_INTERVAL_MS", "fast", 'ERLMCP_WATCH_INTERVAL_MS="fast": expected a number of milliseconds >= 1'],
    ["ERLMCP_DYNAMIC_DELAY_MS", "-5", 'ERLMCP_DYNAMIC_DELAY_MS="-5": expected a number of milliseconds >= 0'],
  ];
  for (const [name, value, message] of cases)
    test(`${name}=${value} is refused in one line, before anything is registered`, () => {
      process.env[name] = value;
      const server = newServer();
      let error: unknown;
      try {
        profile.install(server);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(LocalError);
      expect((error as LocalError).message).toBe(message);
      expect(server.registry.listTools()).toEqual([]);
    });

  test("an installed profile never keeps the process alive", async () => {
    const entry = fileURLToPath(new URL("../../src/profiles/index.ts", import.meta.url));
    const server = fileURLToPath(new URL("../../src/create-server.ts", import.meta.url));
    const script = `const { PROFILES } = await import(${JSON.stringify(entry)}); const { createServer } = await import(${JSON.stringify(server)});
      PROFILES.everything.install(createServer({ name: "t", version: "1" })); console.log("installed");`;
    // The profile's timers set to a day: a ref'd one would hold the process that long, so
    // exiting within 20 s (a loaded machine's startup included) means they are unref'd.
    const env = { ...process.env, ERLMCP_DYNAMIC_DELAY_MS: "86400000", ERLMCP_WATCH_INTERVAL_MS: "86400000" };
    const proc = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe", stderr: "inherit", env });
    const killer = setTimeout(() => proc.kill("SIGKILL"), 20_000);
    const exitCode = await proc.exited;
    clearTimeout(killer);
    expect(proc.signalCode).toBeNull();
    expect(exitCode).toBe(0);
    expect((await new Response(proc.stdout).text()).trim()).toBe("installed");
  });
});
