/**
 * subscriptions/listen (2026-07-28 basic/patterns/subscriptions, mcp-2026-07-28.md §1.6) over
 * Streamable HTTP (SSE), stdio, TCP and WebSocket: the acknowledgement first with the honoured
 * subset, tagging by subscription id, filtering, one change bus for every transport, ending
 * by the client and by a graceful server shutdown, and the process-wide stream limit.
 */
import { runtimeOf } from "../../src/runtime/runtime.ts";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { fileURLToPath } from "node:url";
import { SseReader } from "../fixtures/http-harness.ts";
import { json, K, LineClient, mcall, meta, mpost, mreq, until, type Msg } from "../fixtures/modern-client.ts";
import { MODERN_STDIO, startModern, type ModernServer } from "../fixtures/modern-server.ts";

const CLI = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
const ACK = "notifications/subscriptions/acknowledged";
const TOOLS = "notifications/tools/list_changed";
const PROMPTS = "notifications/prompts/list_changed";
const UPDATED = "notifications/resources/updated";
const tag = (id: unknown) => ({ _meta: { [K.sub]: id } });
const change = (method: string, id: unknown) => ({ jsonrpc: "2.0", method, params: tag(id) });
const final = (id: unknown) => ({ jsonrpc: "2.0", id, result: { resultType: "complete", _meta: { [K.sub]: id } } });
const trigger = (s: ModernServer, name: string, args: Msg = {}) => mcall(s.url, `trig-${name}-${Math.random()}`, "tools/call", { name, arguments: args });

let s: ModernServer;
beforeAll(() => {
  s = startModern({ tcp: true });
});
afterAll(() => s.stop());

/** Opens a listen stream over HTTP and checks that the acknowledgement comes first. */
async function listenHttp(server: ModernServer, id: string | number, filter: Msg, honoured: Msg = filter): Promise<SseReader> {
  const r = await mpost(server.url, mreq(id, "subscriptions/listen", { notifications: filter }));
  expect([r.status, r.headers.get("content-type"), r.headers.get("mcp-session-id")]).toEqual([200, "text/event-stream", null]);
  const stream = new SseReader(r);
  const [ack] = await stream.messages(1);
  expect(ack!.message).toEqual({ jsonrpc: "2.0", method: ACK, params: { notifications: honoured, ...tag(id) } });
  expect(ack!.id).toBeUndefined();
  return stream;
}

describe("subscriptions/listen over Streamable HTTP", () => {
  test("the acknowledgement names only what the server honours", async () => {
    const all = await listenHttp(s, "ack-1", { toolsListChanged: true, promptsListChanged: true, resourcesListChanged: false, resourceSubscriptions: ["test://static-text", "test://static-text"], bogus: true }, {
      toolsListChanged: true,
      promptsListChanged: true,
      resourceSubscriptions: ["test://static-text"],
    });
    await all.cancel();
    const bare = startModern({ everything: false, server: { features: { prompts: false, resources: false } } });
    try {
      const only = await listenHttp(bare, "ack-2", { toolsListChanged: true, promptsListChanged: true, resourcesListChanged: true, resourceSubscriptions: ["test://x"] }, { toolsListChanged: true });
      await only.cancel();
    } finally {
      await bare.stop();
    }
  });

  test("a change made by another POST reaches the stream, tagged; a prompts stream never sees tools changes", async () => {
    const tools = await listenHttp(s, "sub-tools", { toolsListChanged: true });
    const prompts = await listenHttp(s, "sub-prompts", { promptsListChanged: true });
    await trigger(s, "test_trigger_tool_change");
    await trigger(s, "test_trigger_prompt_change");
    expect((await tools.messages(1))[0]!.message).toEqual(change(TOOLS, "sub-tools"));
    expect((await prompts.messages(1))[0]!.message).toEqual(change(PROMPTS, "sub-prompts"));
    expect(await tools.quiet(150)).toBe(true);
    expect(await prompts.quiet(50)).toBe(true);
    await Promise.all([tools.cancel(), prompts.cancel()]);
  });

  test("resourceSubscriptions get notifications/resources/updated for their URIs only", async () => {
    const stream = await listenHttp(s, 77, { resourceSubscriptions: ["test://static-text"] });
    await trigger(s, "modern_touch", { uri: "test://static-binary" });
    await trigger(s, "modern_touch", { uri: "test://static-text" });
    expect((await stream.messages(1))[0]!.message).toEqual({ jsonrpc: "2.0", method: UPDATED, params: { uri: "test://static-text", ...tag(77) } });
    expect(await stream.quiet(100)).toBe(true);
    await stream.cancel();
  });

  test("progress and log messages of other requests never reach a listen stream", async () => {
    const stream = await listenHttp(s, "quiet-1", { toolsListChanged: true, promptsListChanged: true, resourceSubscriptions: ["test://watched-resource"] });
    const a = await mcall(s.url, "p1", "tools/call", { name: "test_tool_with_progress", arguments: {}, _meta: { progressToken: "tok", [K.logLevel]: "debug" } });
    const b = await mcall(s.url, "p2", "tools/call", { name: "test_logging_tool", arguments: {}, _meta: { [K.logLevel]: "debug" } });
    expect(a.notifications.map((n) => n.method)).toEqual(["notifications/progress", "notifications/progress", "notifications/progress"]);
    expect(b.notifications.map((n) => n.params.level)).toEqual(["debug", "info", "warning", "error"]);
    expect(await stream.quiet(150)).toBe(true);
    await trigger(s, "test_trigger_tool_change");
    expect((await stream.messages(1))[0]!.message).toEqual(change(TOOLS, "quiet-1"));
    await stream.cancel();
  });

  test("closing the stream ends the subscription; a missing filter is -32602", async () => {
    await until(() => s.http.streamable.stateless.listenCount === 0, "earlier streams to close");
    const before = 0;
    const stream = await listenHttp(s, "close-1", { toolsListChanged: true });
    expect(s.http.streamable.stateless.listenCount).toBe(before + 1);
    await stream.cancel();
    await until(() => s.http.streamable.stateless.listenCount === before && runtimeOf(s.server).listens.size === before, "the listen stream to close");
    const bad = await mpost(s.url, mreq("bad-1", "subscriptions/listen", {}));
    expect(bad.status).toBe(400);
    expect((await json(bad)).error).toMatchObject({ code: -32602, message: expect.stringContaining('"notifications"') });
  });

  test("limits.maxListenStreams holds across transports, and a closed stream frees its place", async () => {
    const small = startModern({ tcp: true, server: { limits: { maxListenStreams: 2 } } });
    const tcp = await LineClient.tcp(small.tcp!.hostname, small.tcp!.port);
    try {
      const first = await listenHttp(small, "m1", { toolsListChanged: true });
      tcp.request("subscriptions/listen", { notifications: { toolsListChanged: true } }, { id: "m2" });
      expect((await tcp.next((m) => m.method === ACK, "ack m2")).params._meta[K.sub]).toBe("m2");
      const over = await mpost(small.url, mreq("m3", "subscriptions/listen", { notifications: { toolsListChanged: true } }));
      expect([over.status, over.headers.get("content-type")]).toEqual([200, "application/json"]);
      expect((await json(over)).error).toEqual({ code: -32000, message: "Subscription limit reached: limits.maxListenStreams is 2", data: { limit: "limits.maxListenStreams" } });
      expect((await tcp.call("subscriptions/listen", { notifications: { toolsListChanged: true } })).error.code).toBe(-32000);
      await first.cancel();
      await until(() => runtimeOf(small.server).listens.size === 1, "the HTTP stream to close");
      (await listenHttp(small, "m4", { toolsListChanged: true })).cancel();
    } finally {
      await tcp.close();
      await small.stop();
    }
  });

  test("an idle listen stream gets keep-alive comments and nothing else, as SSE even when answers are JSON", async () => {
    const chatty = startModern({ http: { keepaliveMs: 40, responseMode: "json" } });
    try {
      const stream = await listenHttp(chatty, "ka-1", { toolsListChanged: true });
      expect(await stream.quiet(250)).toBe(true);
      expect(stream.comments).toBeGreaterThanOrEqual(2);
      await stream.cancel();
    } finally {
      await chatty.stop();
    }
  });

  test("a graceful shutdown ends every stream with its final result", async () => {
    const other = startModern();
    const a = await listenHttp(other, "end-a", { toolsListChanged: true });
    const b = await listenHttp(other, 9, { promptsListChanged: true });
    await other.stop();
    expect((await a.readToEnd()).map((e) => e.message)).toEqual([final("end-a")]);
    expect((await b.readToEnd()).map((e) => e.message)).toEqual([final(9)]);
  });
});

/** The messages of `c` tagged with subscription `id`. */
const tagged = (c: LineClient, id: unknown) => c.received.filter((m) => m.params?._meta?.[K.sub] === id || m.result?._meta?.[K.sub] === id);

describe("subscriptions/listen over stdio", () => {
  let c: LineClient;
  beforeAll(() => {
    c = LineClient.stdio(MODERN_STDIO);
  });
  afterAll(() => c.close());

  test("concurrent subscriptions on one connection are told apart by id, and cancelled one by one", async () => {
    c.request("subscriptions/listen", { notifications: { toolsListChanged: true } }, { id: "L1" });
    c.request("subscriptions/listen", { notifications: { toolsListChanged: true, promptsListChanged: true } }, { id: "L2" });
    await c.next((m) => m.method === ACK && m.params._meta[K.sub] === "L1", "ack L1");
    await c.next((m) => m.method === ACK && m.params._meta[K.sub] === "L2", "ack L2");
    expect((await c.call("subscriptions/listen", { notifications: { toolsListChanged: true } }, { id: "L1" })).error).toMatchObject({ code: -32600, message: expect.stringContaining("already in use") });
    await c.call("tools/call", { name: "test_trigger_tool_change", arguments: {} });
    await c.call("tools/call", { name: "test_trigger_prompt_change", arguments: {} });
    await c.barrier();
    expect(tagged(c, "L1").map((m) => m.method)).toEqual([ACK, TOOLS]);
    expect(tagged(c, "L2").map((m) => m.method)).toEqual([ACK, TOOLS, PROMPTS]);
    expect(tagged(c, "L2")[2]).toEqual(change(PROMPTS, "L2"));

    c.send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: "L1" } });
    await c.call("tools/call", { name: "test_trigger_tool_change", arguments: {} });
    await c.barrier();
    expect(tagged(c, "L1").map((m) => m.method)).toEqual([ACK, TOOLS]);
    expect(tagged(c, "L2").map((m) => m.method)).toEqual([ACK, TOOLS, PROMPTS, TOOLS]);
  });

  test("progress and logs on the same connection carry no subscription id", async () => {
    c.request("tools/call", { name: "test_tool_with_progress", arguments: {}, _meta: { progressToken: 5, [K.logLevel]: "debug" } }, { id: "prog" });
    expect((await c.response("prog")).result.content[0].text).toBe("Progress test completed");
    expect((await c.call("tools/call", { name: "test_logging_tool", arguments: {}, _meta: { ...meta(), [K.logLevel]: "error" } })).result.resultType).toBe("complete");
    const progress = c.received.filter((m) => m.method === "notifications/progress");
    const logs = c.received.filter((m) => m.method === "notifications/message");
    expect([progress.length, logs.length]).toEqual([3, 1]);
    for (const m of [...progress, ...logs]) expect(m.params._meta?.[K.sub]).toBeUndefined();
    expect(c.received.filter((m) => m.params?._meta?.[K.sub] !== undefined && ![ACK, TOOLS, PROMPTS].includes(m.method))).toEqual([]);
  });

  test("stdin EOF ends each open subscription with its result, then notifications/cancelled", async () => {
    c.request("subscriptions/listen", { notifications: { resourceSubscriptions: ["test://static-text"] } }, { id: 1000 });
    await c.next((m) => m.method === ACK && m.params._meta[K.sub] === 1000, "ack 1000");
    c.proc!.stdin.end();
    expect(await c.proc!.exited).toBe(0);
    await c.ended;
    const endOf = (id: unknown) => c.received.filter((m) => (m.id === id && "result" in m) || m.params?.requestId === id);
    expect(endOf("L2")).toEqual([final("L2"), { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: "L2", reason: "server closing the subscription" } }]);
    expect(endOf(1000)).toEqual([final(1000), { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 1000, reason: "server closing the subscription" } }]);
    expect(endOf("L1")).toEqual([]);
    expect(c.received.filter((m) => "method" in m && "id" in m)).toEqual([]);
  });

  test("SIGTERM to the appliance (erlmcp serve --stdio) ends subscriptions the same way", async () => {
    const cli = LineClient.spawn([CLI, "serve", "--stdio", "--profile", "everything", "--log-level", "silent"]);
    try {
      cli.request("subscriptions/listen", { notifications: { toolsListChanged: true } }, { id: "cli-1" });
      await cli.next((m) => m.method === ACK, "ack cli-1");
      cli.proc!.kill("SIGTERM");
      expect(await cli.proc!.exited).toBe(0);
      await cli.ended;
      expect(cli.received.slice(1)).toEqual([final("cli-1"), { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: "cli-1", reason: "server closing the subscription" } }]);
    } finally {
      await cli.close();
    }
  });
});

describe("subscriptions/listen over TCP and WebSocket", () => {
  test("a change triggered on another TCP connection, and over HTTP, reaches the listener", async () => {
    const a = await LineClient.tcp(s.tcp!.hostname, s.tcp!.port);
    const b = await LineClient.tcp(s.tcp!.hostname, s.tcp!.port);
    try {
      a.request("subscriptions/listen", { notifications: { toolsListChanged: true } }, { id: "tcp-1" });
      await a.next((m) => m.method === ACK, "ack tcp-1");
      await b.call("tools/call", { name: "test_trigger_tool_change", arguments: {} });
      expect(await a.next((m) => m.method === TOOLS, "tools change 1")).toEqual(change(TOOLS, "tcp-1"));
      await trigger(s, "test_trigger_tool_change");
      expect(await a.next((m) => m.method === TOOLS, "tools change 2")).toEqual(change(TOOLS, "tcp-1"));
      expect(b.received.filter((m) => m.method !== undefined)).toEqual([]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test("a WebSocket listener hears a change made over HTTP; TCP and WebSocket shutdowns are graceful", async () => {
    const other = startModern({ tcp: true });
    const ws = await LineClient.ws(other.ws);
    const tcp = await LineClient.tcp(other.tcp!.hostname, other.tcp!.port);
    try {
      ws.request("subscriptions/listen", { notifications: { promptsListChanged: true } }, { id: "ws-1" });
      tcp.request("subscriptions/listen", { notifications: { promptsListChanged: true } }, { id: "tcp-2" });
      await ws.next((m) => m.method === ACK, "ack ws-1");
      await tcp.next((m) => m.method === ACK, "ack tcp-2");
      await trigger(other, "test_trigger_prompt_change");
      expect(await ws.next((m) => m.method === PROMPTS, "prompts change")).toEqual(change(PROMPTS, "ws-1"));
      await other.stop();
      await Promise.all([ws.ended, tcp.ended]);
      for (const [client, id] of [[ws, "ws-1"], [tcp, "tcp-2"]] as const)
        expect(client.received.filter((m) => m.id === id || m.method === "notifications/cancelled")).toEqual([
          final(id),
          { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: id, reason: "server closing the subscription" } },
        ]);
    } finally {
      await Promise.all([ws.close(), tcp.close(), other.stop()]);
    }
  });
});
