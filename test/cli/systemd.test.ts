/**
 * systemd/erlmcp.service against the appliance's config: the unit runs where the relative
 * sqlite paths land in its state directory, and systemd's stop timeout leaves the server's
 * own stop deadline (server.stopTimeoutMs) time to finish before it sends SIGKILL.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { defaultConfig } from "../../src/config/defaults.ts";
import { loadConfig } from "../../src/config/load.ts";

const ROOT = join(import.meta.dir, "../..");
const UNIT = readFileSync(join(ROOT, "systemd/erlmcp.service"), "utf8");
const EXAMPLE = readFileSync(join(ROOT, "config/erlmcp.toml"), "utf8");

/** `Key=value` settings of the unit's [Service] section (comments and other sections left out). */
function serviceSettings(unit: string): Map<string, string> {
  const section = /^\[Service\]\n([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(unit)?.[1] ?? "";
  const out = new Map<string, string>();
  for (const line of section.split("\n")) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

/** A systemd time span ("15s", "2min", "500ms", "15") in ms. */
function timespanMs(span: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, sec: 1000, min: 60_000, m: 60_000 };
  const m = /^(\d+)\s*(ms|s|sec|min|m)?$/.exec(span.trim());
  if (!m) throw new Error(`not a timespan this test reads: ${span}`);
  return Number(m[1]) * units[m[2] ?? "s"]!;
}

const service = serviceSettings(UNIT);

describe("systemd/erlmcp.service", () => {
  test("runs in its state directory, so the relative sqlite paths of the config land there", () => {
    const state = service.get("StateDirectory");
    expect(state).toBe("erlmcp");
    expect([`%S/${state}`, `/var/lib/${state}`]).toContain(service.get("WorkingDirectory") ?? "(none)");
    const config = loadConfig();
    expect(isAbsolute(config.events.path)).toBe(false);
    expect(isAbsolute(config.stores.path)).toBe(false);
  });

  test("TimeoutStopSec exceeds the server's own stop deadline (server.stopTimeoutMs) by at least 2 s", () => {
    const systemdMs = timespanMs(service.get("TimeoutStopSec") ?? "");
    const serverMs = defaultConfig().server.stopTimeoutMs;
    expect(serverMs).toBeGreaterThan(0);
    expect(systemdMs - serverMs).toBeGreaterThanOrEqual(2000);
  });

  test("the unit and the example config each document the pair", () => {
    expect(UNIT).toMatch(/#.*server\.stopTimeoutMs/);
    expect(EXAMPLE).toMatch(/#.*TimeoutStopSec/);
  });

  test("server.stopTimeoutMs below its minimum is one line naming the key", () => {
    expect(() => loadConfig({ overrides: { "server.stopTimeoutMs": 100 } })).toThrow("config: server.stopTimeoutMs = 100: expected an integer from 4000 to 3600000");
  });
});
