import { describe, expect, test } from "bun:test";
import { createLogger } from "../../src/util/log.ts";

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** A logger of `format` writing into an array, and that array. */
function capture(format: "json" | "text", opts: { level?: "debug" | "info" | "warn"; access?: boolean } = {}) {
  const lines: string[] = [];
  return { lines, logger: createLogger({ format, ...opts, write: (l) => void lines.push(l) }) };
}

describe("createLogger", () => {
  test("a text line starts with an ISO timestamp and carries a child's bound fields, with or without fields of its own", () => {
    const { lines, logger } = capture("text");
    const child = logger.child({ shard: 1 }).child({ role: "worker" });
    child.info("plain");
    child.warn("with fields", { reason: "killed by SIGKILL", n: 2 });
    expect(lines.map((l) => l.split(" ")[0])).toEqual([expect.stringMatching(ISO), expect.stringMatching(ISO)]);
    expect(lines.map((l) => l.slice(l.indexOf(" ") + 1))).toEqual(["INFO plain shard=1 role=worker", 'WARN with fields shard=1 role=worker reason="killed by SIGKILL" n=2']);
  });

  test("a JSON line carries its timestamp, level, message, the child's fields and its own", () => {
    const { lines, logger } = capture("json");
    logger.child({ shard: 0 }).error("boom", { correlationId: "c1" });
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(line).toEqual({ t: expect.stringMatching(ISO), level: "error", msg: "boom", shard: 0, correlationId: "c1" });
  });

  test("the level filters events; access lines depend only on the access switch, which children keep", () => {
    const on = capture("json", { level: "warn", access: true });
    on.logger.info("dropped");
    on.logger.child({ shard: 1 }).access!({ method: "ping", ms: 0.1 });
    expect(on.logger.child({}).accessLog).toBe(true);
    expect(on.lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([{ t: expect.stringMatching(ISO), level: "info", msg: "request", shard: 1, method: "ping", ms: 0.1 }]);
    expect(capture("json", { level: "debug" }).logger.accessLog).toBe(false);
  });
});
