/**
 * How a POST carrying a request is answered (2025-11-25 transports §POST: JSON or an SSE
 * stream), per http.responseMode: "json" always JSON, "sse" always a stream, "auto" JSON
 * unless notifications must go out before the response. Each message goes out on exactly
 * one stream (§multiple connections: never broadcast).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { HttpClient, jsonBody, LATEST, SseReader, startHttp, type Harness } from "../fixtures/http-harness.ts";

const modes = { json: undefined as unknown as Harness, sse: undefined as unknown as Harness, auto: undefined as unknown as Harness };
beforeAll(() => {
  for (const mode of ["json", "sse", "auto"] as const) modes[mode] = startHttp({ listen: { responseMode: mode } });
});
afterAll(() => Promise.all(Object.values(modes).map((h) => h.stop())));

const LOGGING_RESULT = { content: [{ type: "text", text: "Tool with logging executed successfully" }] };
const LOGS = ["Tool execution started", "Tool processing data", "Tool execution completed"].map((data) => ({
  jsonrpc: "2.0",
  method: "notifications/message",
  params: { level: "info", data },
}));

describe('responseMode "json"', () => {
  test("a plain call is answered 200 application/json with exactly the response", async () => {
    const c = await HttpClient.open(modes.json);
    const { response, id } = await c.request("tools/call", { name: "test_simple_text" });
    expect(response.status).toBe(200);
    expect(await jsonBody(response)).toEqual({ jsonrpc: "2.0", id, result: { content: [{ type: "text", text: "This is a simple text response for testing." }] } });
  });

  test("a call that logs is still JSON; its notifications go to the standalone stream", async () => {
    const c = await HttpClient.open(modes.json);
    const get = new SseReader(await c.get());
    const { response, id } = await c.request("tools/call", { name: "test_tool_with_logging" });
    expect(response.status).toBe(200);
    expect(await jsonBody(response)).toEqual({ jsonrpc: "2.0", id, result: LOGGING_RESULT });
    const logs = await get.messages(3);
    expect(logs.map((b) => b.message)).toEqual(LOGS);
    expect(logs.map((b) => b.id)).toEqual(["g_1", "g_2", "g_3"]);
    await get.cancel();
  });
});

describe('responseMode "sse"', () => {
  test("a plain call is a stream: priming event, the response, then the end", async () => {
    const c = await HttpClient.open(modes.sse);
    const { response, id } = await c.request("ping");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const blocks = await new SseReader(response).readToEnd();
    // p1 was initialize's stream; this POST is the session's second.
    expect(blocks).toEqual([
      { id: "p2_0", retry: 1000, data: "" },
      { id: "p2_1", data: JSON.stringify({ jsonrpc: "2.0", id, result: {} }), message: { jsonrpc: "2.0", id, result: {} } },
    ]);
  });

  test("initialize itself is answered on a stream, with the session id header", async () => {
    const c = await HttpClient.open(modes.sse);
    expect(c.sid).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    expect(c.version).toBe(LATEST);
  });
});

describe('responseMode "auto"', () => {
  test("a plain call is answered application/json", async () => {
    const c = await HttpClient.open(modes.auto);
    const { response, id } = await c.request("tools/call", { name: "test_simple_text" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect((await response.json() as any).id).toBe(id);
  });

  test("a call that logs upgrades to text/event-stream: the logs, then the response, then the end", async () => {
    const c = await HttpClient.open(modes.auto);
    const { response, id } = await c.request("tools/call", { name: "test_tool_with_logging" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const blocks = await new SseReader(response).readToEnd();
    expect(blocks[0]).toEqual({ id: "p1_0", retry: 1000, data: "" });
    expect(blocks.slice(1).map((b) => b.message)).toEqual([...LOGS, { jsonrpc: "2.0", id, result: LOGGING_RESULT }]);
    expect(blocks.slice(1).map((b) => b.id)).toEqual(["p1_1", "p1_2", "p1_3", "p1_4"]);
  });

  test("a call that reports progress streams its progress notifications before the response", async () => {
    const c = await HttpClient.open(modes.auto);
    const { response, id } = await c.request("tools/call", { name: "test_tool_with_progress", _meta: { progressToken: "tok-1" } });
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const messages = (await new SseReader(response).readToEnd()).filter((b) => b.message).map((b) => b.message);
    expect(messages).toEqual([
      ...[0, 50, 100].map((progress) => ({
        jsonrpc: "2.0",
        method: "notifications/progress",
        params: { progressToken: "tok-1", progress, total: 100, message: `Completed step ${progress} of 100` },
      })),
      { jsonrpc: "2.0", id, result: { content: [{ type: "text", text: "Progress test completed" }] } },
    ]);
  });

  test("without a progress token the same tool has nothing to stream and answers JSON", async () => {
    const c = await HttpClient.open(modes.auto);
    const { response, id } = await c.request("tools/call", { name: "test_tool_with_progress" });
    expect(await jsonBody(response)).toEqual({ jsonrpc: "2.0", id, result: { content: [{ type: "text", text: "Progress test completed" }] } });
  });

  test("concurrent POSTs each get their own stream with only their own messages", async () => {
    const c = await HttpClient.open(modes.auto);
    const get = new SseReader(await c.get());
    const calls = await Promise.all([1, 2, 3].map(() => c.request("tools/call", { name: "test_tool_with_logging" })));
    const streams = await Promise.all(calls.map(({ response }) => new SseReader(response).readToEnd()));
    const prefixes = streams.map((blocks) => blocks[0]!.id!.split("_")[0]);
    expect(new Set(prefixes).size).toBe(3);
    streams.forEach((blocks, i) => {
      const messages = blocks.filter((b) => b.message).map((b) => b.message);
      expect(messages).toEqual([...LOGS, { jsonrpc: "2.0", id: calls[i]!.id, result: LOGGING_RESULT }]);
      for (const b of blocks) expect(b.id!.startsWith(`${prefixes[i]}_`)).toBe(true);
    });
    // Nothing related to these requests leaked onto the standalone stream.
    expect(await get.quiet(200)).toBe(true);
    await get.cancel();
  });

  test("a 2025-03-26 batch of requests is answered with one JSON array", async () => {
    const c = await HttpClient.open(modes.auto, "2025-03-26");
    const r = await c.post([
      { jsonrpc: "2.0", id: "a", method: "ping" },
      { jsonrpc: "2.0", method: "notifications/whatever" },
      { jsonrpc: "2.0", id: "b", method: "tools/call", params: { name: "test_simple_text" } },
    ]);
    expect(r.status).toBe(200);
    const body = await jsonBody(r);
    expect(body).toHaveLength(2);
    expect(body).toContainEqual({ jsonrpc: "2.0", id: "a", result: {} });
    expect(body).toContainEqual({ jsonrpc: "2.0", id: "b", result: { content: [{ type: "text", text: "This is a simple text response for testing." }] } });
  });
});
