/**
 * Logging levels, progress and cancellation over stdio, driven by the official SDK client (v1).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  CallToolResultSchema,
  EmptyResultSchema,
  LoggingMessageNotificationSchema,
  type LoggingMessageNotification,
  type Progress,
} from "@modelcontextprotocol/sdk/types.js";
import { STATE_URI, type FixtureState } from "../fixtures/extra-tools.ts";
import { connect, mcpErrorOf, waitFor, type Connected } from "./helpers.ts";

let c: Connected;
const logs: LoggingMessageNotification["params"][] = [];

beforeAll(async () => {
  c = await connect({
    env: { ERLMCP_DYNAMIC_DELAY_MS: "600000" },
    setup: (client) => client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logs.push(n.params)),
  });
});
afterAll(() => c.close());

const TOOL_LOGS: LoggingMessageNotification["params"][] = [
  { level: "info", data: "Tool execution started" },
  { level: "info", data: "Tool processing data" },
  { level: "info", data: "Tool execution completed" },
];

const state = async (): Promise<FixtureState> => {
  const item = (await c.client.readResource({ uri: STATE_URI })).contents[0];
  return JSON.parse(item && "text" in item ? item.text : "null") as FixtureState;
};

describe("logging", () => {
  test("the default level (info) admits the tool's three info messages", async () => {
    logs.length = 0;
    await c.client.callTool({ name: "test_tool_with_logging", arguments: {} });
    expect(logs).toEqual(TOOL_LOGS);
  });

  test("setLevel error filters out info messages", async () => {
    expect(await c.client.setLoggingLevel("error")).toEqual({});
    logs.length = 0;
    const result = await c.client.callTool({ name: "test_tool_with_logging", arguments: {} });
    expect(result.content).toEqual([{ type: "text", text: "Tool with logging executed successfully" }]);
    // On stdio every notification sent during the call precedes its result.
    expect(logs).toEqual([]);
  });

  test("setLevel debug admits them again, in order, before the result", async () => {
    expect(await c.client.setLoggingLevel("debug")).toEqual({});
    logs.length = 0;
    await c.client.callTool({ name: "test_tool_with_logging", arguments: {} });
    expect(logs).toEqual(TOOL_LOGS);
  });

  test("an unknown level is -32602", async () => {
    const error = await mcpErrorOf(c.client.request({ method: "logging/setLevel", params: { level: "loud" } }, EmptyResultSchema));
    expect(error.code).toBe(-32602);
  });
});

describe("progress", () => {
  test("test_tool_with_progress reports 0, 50 and 100 of 100 on the SDK's token, before the result", async () => {
    const seen: Progress[] = [];
    const before = c.inbound.length;
    const result = await c.client.callTool({ name: "test_tool_with_progress", arguments: {} }, CallToolResultSchema, {
      onprogress: (p) => void seen.push(p),
    });
    expect(result.content).toEqual([{ type: "text", text: "Progress test completed" }]);
    const expected = [0, 50, 100].map((progress) => ({ progress, total: 100, message: `Completed step ${progress} of 100` }));

    // On the wire: all three, on the token the SDK chose (the request id), then the result.
    const sent = c.outbound.findLast((m) => "method" in m && m.method === "tools/call");
    const id = sent && "id" in sent ? sent.id : undefined;
    const wire = c.inbound.slice(before);
    const responseAt = wire.findIndex((m) => "id" in m && m.id === id && "result" in m);
    const progress = wire.flatMap((m, i) => ("method" in m && m.method === "notifications/progress" ? [{ i, params: m.params }] : []));
    expect(progress.map((p) => p.params)).toEqual(expected.map((e) => ({ progressToken: id, ...e })));
    expect(progress.every((p) => p.i < responseAt)).toBe(true);

    // The SDK runs notification handlers a microtask late but settles responses at once, so a
    // final progress arriving in the same stdout chunk as the result never reaches onprogress
    // (SDK 1.32.2 Protocol._onnotification / _onresponse). The steps 50 ms apart always do.
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen).toEqual(expected.slice(0, seen.length));
  });

  test("without a progress token no progress notification is sent", async () => {
    const before = c.inbound.length;
    await c.client.callTool({ name: "test_tool_with_progress", arguments: {} });
    const progress = c.inbound.slice(before).filter((m) => "method" in m && m.method === "notifications/progress");
    expect(progress).toEqual([]);
  });
});

describe("cancellation", () => {
  test("aborting callTool cancels the handler's signal and no response follows", async () => {
    const controller = new AbortController();
    const pending = c.client.callTool({ name: "wait_for_cancel", arguments: { tag: "cancel-1" } }, CallToolResultSchema, { signal: controller.signal });
    // Let the call reach the handler, then cancel.
    await waitFor(() => c.outbound.some((m) => "method" in m && m.method === "tools/call"), 1000, "the tools/call to go out");
    await Bun.sleep(50);
    controller.abort("user pressed stop");
    await expect(pending).rejects.toBeDefined();

    const sent = c.outbound.find((m) => "method" in m && m.method === "tools/call" && (m.params as { arguments?: { tag?: string } }).arguments?.tag === "cancel-1");
    const id = sent && "id" in sent ? sent.id : undefined;
    expect(id).toBeDefined();
    const cancelled = c.outbound.find((m) => "method" in m && m.method === "notifications/cancelled");
    expect(cancelled && "params" in cancelled ? cancelled.params : undefined).toEqual({ requestId: id, reason: "user pressed stop" });

    await waitFor(async () => (await state()).aborted.includes("cancel-1"), 2000, "the handler to see the abort");
    // A later request round-trips, and nothing answered the cancelled one.
    await c.client.ping();
    expect(c.inbound.filter((m) => "id" in m && m.id === id && !("method" in m))).toEqual([]);
  });

  test("a call that is not cancelled is not recorded as aborted", async () => {
    const result = await c.client.callTool({ name: "slow_task", arguments: { ms: 5, tag: "not-cancelled" } });
    expect(result.content).toEqual([{ type: "text", text: "done after 5 ms" }]);
    expect((await state()).aborted).not.toContain("not-cancelled");
  });
});
