/**
 * The public API is pinned (STYLE 15): a change to the export list of src/index.ts must
 * change this test too, deliberately.
 */
import { expect, test } from "bun:test";
import * as api from "../src/index.ts";

const VALUE_EXPORTS = [
  "HttpStatusError",
  "LATEST_LEGACY_VERSION",
  "LEGACY_VERSIONS",
  "McpClient",
  "McpError",
  "McpHttpError",
  "McpServer",
  "MemoryEventStore",
  "Runtime",
  "SqliteEventStore",
  "Subscription",
  "WireCode",
  "applyElicitationDefaults",
  "attachChannel",
  "createClient",
  "createLogger",
  "createServer",
  "hostPolicy",
  "listenHttp",
  "runtimeOf",
  "serveStdio",
  "serveTcp",
  "stdioChannel",
  "urlElicitationRequired",
];

test("src/index.ts exports exactly the pinned values", () => {
  expect(Object.keys(api).sort()).toEqual(VALUE_EXPORTS);
});

test("every pinned export is defined (no re-export of a missing name)", () => {
  expect.assertions(VALUE_EXPORTS.length);
  for (const name of VALUE_EXPORTS) expect((api as Record<string, unknown>)[name]).toBeDefined();
});

test("the kinds of the exports", () => {
  expect(typeof api.createServer).toBe("function");
  expect(typeof api.McpServer).toBe("function");
  expect(typeof api.McpError).toBe("function");
  expect(typeof api.serveStdio).toBe("function");
  expect(typeof api.stdioChannel).toBe("function");
  expect(typeof api.attachChannel).toBe("function");
  expect(typeof api.createLogger).toBe("function");
  expect(api.LATEST_LEGACY_VERSION).toBe("2025-11-25");
  expect(api.LEGACY_VERSIONS).toEqual(["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"]);
  expect(api.WireCode.InvalidRequest).toBe(-32600);
  expect(new api.McpError(-32602, "x")).toBeInstanceOf(Error);
  expect(api.createServer({ name: "n", version: "1" })).toBeInstanceOf(api.McpServer);
  expect(api.createClient({ name: "n", version: "1" })).toBeInstanceOf(api.McpClient);
  expect(new api.McpHttpError(400, -32022, "x")).toBeInstanceOf(api.McpError);
});
