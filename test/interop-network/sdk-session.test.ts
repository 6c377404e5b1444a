/**
 * Session behaviour through the official SDK client (v1) over every network transport:
 * logging levels, progress, sampling and elicitation answered by the client's request
 * handlers, and cancellation of a running tool call.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  CallToolResultSchema,
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  LoggingMessageNotificationSchema,
  type LoggingMessageNotification,
  type Progress,
} from "@modelcontextprotocol/sdk/types.js";
import { startNetworkServer, type NetworkServer } from "../fixtures/network-server.ts";
import { LOG_LEVELS_LOGGER } from "../fixtures/network-tools.ts";
import { notificationsOf, requestsOf, waitFor } from "../interop/helpers.ts";
import { connectSdk, HTTP_MODES, lastRequestId, SDK_TRANSPORTS, type Connected } from "./helpers.ts";

let net: NetworkServer;
beforeAll(() => {
  net = startNetworkServer({ http: [...HTTP_MODES] });
});
afterAll(() => net.stop());

const SAMPLED = { role: "assistant", content: { type: "text", text: "This is a test response from the client" }, model: "test-model", stopReason: "endTurn" } as const;
const ELICITED = { action: "accept", content: { username: "ada", email: "ada@example.com" } } as const;

describe.each(SDK_TRANSPORTS)("SDK client over %s", (kind) => {
  let c: Connected;
  const logs: LoggingMessageNotification["params"][] = [];
  const handled = { sampling: 0, elicitation: 0 };
  beforeAll(async () => {
    c = await connectSdk(kind, net, {
      capabilities: { sampling: {}, elicitation: { form: {} } },
      setup(client) {
        client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logs.push(n.params));
        client.setRequestHandler(CreateMessageRequestSchema, () => {
          handled.sampling++;
          return SAMPLED;
        });
        client.setRequestHandler(ElicitRequestSchema, () => {
          handled.elicitation++;
          return ELICITED;
        });
      },
    });
  });
  afterAll(() => c.close());

  describe("logging", () => {
    test("at the default level (info) the tool's three info messages arrive", async () => {
      logs.length = 0;
      expect(await c.client.callTool({ name: "test_tool_with_logging", arguments: {} })).toEqual({
        content: [{ type: "text", text: "Tool with logging executed successfully" }],
      });
      await waitFor(() => logs.length >= 3, 3000, "three log messages");
      expect(logs).toEqual(["Tool execution started", "Tool processing data", "Tool execution completed"].map((data) => ({ level: "info", data })));
    });

    test("logging/setLevel filters notifications/message by severity", async () => {
      const atError = () => logs.filter((l) => l.logger === LOG_LEVELS_LOGGER && l.data === "at error").length;
      logs.length = 0;
      expect(await c.client.setLoggingLevel("warning")).toEqual({});
      expect(await c.client.callTool({ name: "log_levels", arguments: {} })).toEqual({ content: [{ type: "text", text: "logged" }] });
      await waitFor(() => atError() === 1, 3000, "the first call's error message");
      expect(await c.client.setLoggingLevel("debug")).toEqual({});
      await c.client.callTool({ name: "log_levels", arguments: {} });
      await waitFor(() => atError() === 2, 3000, "the second call's error message");
      // One call's messages share one stream, so filtered-out ones would have come before its error.
      expect(logs).toEqual((["warning", "error", "debug", "info", "warning", "error"] as const).map((level) => ({ level, logger: LOG_LEVELS_LOGGER, data: `at ${level}` })));
      expect(await c.client.setLoggingLevel("info")).toEqual({});
    });
  });

  test("progress reaches onprogress on the SDK's token, and the wire carries all three steps", async () => {
    const seen: Progress[] = [];
    const result = await c.client.callTool({ name: "test_tool_with_progress", arguments: {} }, CallToolResultSchema, { onprogress: (p) => void seen.push(p) });
    expect(result).toEqual({ content: [{ type: "text", text: "Progress test completed" }] });
    const id = lastRequestId(c, "tools/call");
    const expected = [0, 50, 100].map((progress) => ({ progress, total: 100, message: `Completed step ${progress} of 100` }));
    const mine = () => notificationsOf(c.inbound, "notifications/progress").filter((p) => p.progressToken === id);
    await waitFor(() => mine().length === 3, 3000, "three progress notifications");
    expect(mine()).toEqual(expected.map((e) => ({ progressToken: id, ...e })));
    // The steps are 50 ms apart, so at least the first two reach the handler before the result
    // retires the token; a last one racing the result may be dropped by the SDK.
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen).toEqual(expected.slice(0, seen.length));
  });

  test("test_sampling: the client's sampling handler answers sampling/createMessage", async () => {
    const before = handled.sampling;
    expect(await c.client.callTool({ name: "test_sampling", arguments: { prompt: "What is the capital of France?" } })).toEqual({
      content: [{ type: "text", text: "LLM response: This is a test response from the client" }],
    });
    expect(handled.sampling).toBe(before + 1);
    const ask = requestsOf(c.inbound, "sampling/createMessage").at(-1);
    expect(ask && "params" in ask ? ask.params : undefined).toEqual({
      messages: [{ role: "user", content: { type: "text", text: "What is the capital of France?" } }],
      maxTokens: 100,
    });
  });

  test("test_elicitation: the client's elicitation handler answers elicitation/create", async () => {
    const before = handled.elicitation;
    expect(await c.client.callTool({ name: "test_elicitation", arguments: { message: "Who are you?" } })).toEqual({
      content: [{ type: "text", text: 'User response: action=accept, content={"username":"ada","email":"ada@example.com"}' }],
    });
    expect(handled.elicitation).toBe(before + 1);
    const ask = requestsOf(c.inbound, "elicitation/create").at(-1);
    expect(ask && "params" in ask ? ask.params : undefined).toEqual({
      mode: "form",
      message: "Who are you?",
      requestedSchema: {
        type: "object",
        properties: { username: { type: "string", description: "User's response" }, email: { type: "string", description: "User's email address" } },
        required: ["username", "email"],
      },
    });
  });

  test("aborting callTool sends notifications/cancelled, aborts the handler, and no response follows", async () => {
    const tag = `sdk-cancel-${kind}`;
    const controller = new AbortController();
    const pending = c.client.callTool({ name: "hang", arguments: { tag } }, CallToolResultSchema, {
      signal: controller.signal,
      // The handler is running once its "started" progress arrives.
      onprogress: () => controller.abort("user pressed stop"),
    });
    await expect(pending).rejects.toBeDefined();
    const id = lastRequestId(c, "tools/call");
    const cancelled = c.outbound.find((m) => "method" in m && m.method === "notifications/cancelled");
    expect(cancelled && "params" in cancelled ? cancelled.params : undefined).toEqual({ requestId: id, reason: "user pressed stop" });
    await waitFor(() => net.state.aborted.includes(tag), 3000, "the handler to see the abort");
    expect(await c.client.ping()).toEqual({});
    await Bun.sleep(50);
    expect(c.inbound.filter((m) => "id" in m && m.id === id && !("method" in m))).toEqual([]);
  });
});
