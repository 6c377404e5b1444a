/**
 * The two eras side by side (mcp-2026-07-28.md §1.3, §1.7, §3, §5, §7): era pinning on stream
 * transports, what every modern result carries (resultType, cache hints, serverInfo), what
 * differs per era for the same definitions (execution, resource-not-found codes, logging,
 * sampling and roots), and cancellation by stream close and by notifications/cancelled.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SseReader } from "../fixtures/http-harness.ts";
import { MODERN_STATE_URI } from "../fixtures/modern-extras.ts";
import { ALL_CAPS, K, LEGACY, LegacyHttp, LineClient, mcall, MODERN, mpost, mreq, until, type Msg } from "../fixtures/modern-client.ts";
import { MODERN_STDIO, startModern, type ModernServer } from "../fixtures/modern-server.ts";

const INFO = { name: "modern-test-server", version: "1.2.3" };
let s: ModernServer;
beforeAll(() => {
  s = startModern({ tcp: true, server: { cache: { ttlMs: 5000, scope: "public" }, limits: { pageSize: 4 } } });
});
afterAll(() => s.stop());

type Open = () => Promise<LineClient>;
const TRANSPORTS: [string, Open][] = [
  ["stdio", async () => LineClient.stdio(MODERN_STDIO)],
  ["tcp", () => LineClient.tcp(s.tcp!.hostname, s.tcp!.port)],
  ["websocket", () => LineClient.ws(s.ws)],
];
const initialize = (id: number) => ({ jsonrpc: "2.0", id, method: "initialize", params: { protocolVersion: LEGACY, capabilities: {}, clientInfo: { name: "raw", version: "1" } } });

describe.each(TRANSPORTS)("era pinning on %s", (_name, open) => {
  let c: LineClient;
  const fresh = async () => {
    await c?.close();
    c = await open();
  };
  afterAll(() => c?.close());

  test("a first request with a claim pins 2026-07-28: initialize is then -32022, a claim-less request -32602", async () => {
    await fresh();
    expect((await c.call("tools/list")).result.resultType).toBe("complete");
    c.send(initialize(50));
    expect((await c.response(50)).error).toEqual({
      code: -32022,
      message: 'Unsupported protocol version: "2025-11-25"',
      data: { supported: [MODERN], requested: LEGACY },
    });
    c.send({ jsonrpc: "2.0", id: 51, method: "tools/list" });
    expect((await c.response(51)).error.code).toBe(-32602);
    expect((await c.call("ping")).error.code).toBe(-32601);
    expect((await c.call("tools/list")).result.tools.length).toBeGreaterThanOrEqual(4);
  });

  test("initialize with a claim is a removed method (-32601) and pins 2026-07-28", async () => {
    await fresh();
    c.send(mreq(40, "initialize", { protocolVersion: MODERN, capabilities: {}, clientInfo: { name: "raw", version: "1" } }));
    expect((await c.response(40)).error).toMatchObject({ code: -32601 });
    c.send(initialize(41));
    expect((await c.response(41)).error.code).toBe(-32022);
  });

  test("server/discover answers without pinning: initialize still opens a 2025 session, which refuses claims", async () => {
    await fresh();
    const d = (await c.call("server/discover")).result;
    expect([d.resultType, d.supportedVersions, d.capabilities.tasks, d._meta[K.serverInfo].version]).toEqual(["complete", [MODERN], undefined, expect.any(String)]);
    c.send(initialize(60));
    const init = (await c.response(60)).result;
    expect([init.protocolVersion, init.resultType, init.capabilities.tasks !== undefined]).toEqual([LEGACY, undefined, true]);
    c.send({ jsonrpc: "2.0", method: "notifications/initialized" });
    c.send({ jsonrpc: "2.0", id: 61, method: "ping" });
    expect((await c.response(61)).result).toEqual({});
    c.send(mreq(62, "server/discover"));
    expect((await c.response(62)).error).toMatchObject({ code: -32600, message: expect.stringContaining("2025-11-25 session") });
    c.send({ jsonrpc: "2.0", id: 63, method: "tools/list", params: {} });
    const legacy = (await c.response(63)).result;
    expect([legacy.resultType, legacy.ttlMs, legacy._meta, legacy.tools.length >= 4]).toEqual([undefined, undefined, undefined, true]);
  });
});

test("the 2024-11-05 HTTP+SSE transport only ever speaks 2025: a claim is -32600 on its stream", async () => {
  const ctl = new AbortController();
  const body = (await fetch(new URL("/sse", s.url), { headers: { accept: "text/event-stream" }, signal: ctl.signal })).body!.getReader();
  let text = "";
  const read = async (re: RegExp) => {
    await until(async () => {
      const chunk = await body.read();
      text += new TextDecoder().decode(chunk.value);
      return re.test(text);
    }, `${re} on the SSE stream`);
    return re.exec(text)!;
  };
  const [, endpoint] = await read(/event: endpoint\ndata: (\S+)\n/);
  const r = await fetch(new URL(endpoint!, s.url), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(mreq("sse-1", "server/discover")) });
  expect(r.status).toBe(202);
  const [, data] = await read(/data: (\{.*"sse-1".*\})\n/);
  const answer = JSON.parse(data!) as Msg;
  expect([answer.id, answer.error?.code, answer.result]).toEqual(["sse-1", -32600, undefined]);
  ctl.abort();
});

/** Sends a modern request over HTTP and returns its result (status 200 asserted). */
async function result(method: string, params: Msg = {}, caps: Msg = ALL_CAPS): Promise<Msg> {
  const a = await mcall(s.url, `q-${method}-${Math.random()}`, method, params, caps);
  expect([method, a.status, a.body.error]).toEqual([method, 200, undefined]);
  return a.body.result;
}

describe("what every 2026-07-28 result carries", () => {
  const BATTERY: [string, Msg, boolean][] = [
    ["server/discover", {}, true],
    ["tools/list", {}, true],
    ["prompts/list", {}, true],
    ["resources/list", {}, true],
    ["resources/templates/list", {}, true],
    ["resources/read", { uri: "test://static-text" }, true],
    ["tools/call", { name: "test_simple_text", arguments: {} }, false],
    ["tools/call", { name: "test_error_handling", arguments: {} }, false],
    ["prompts/get", { name: "test_simple_prompt" }, false],
    ["completion/complete", { ref: { type: "ref/prompt", name: "test_prompt_with_arguments" }, argument: { name: "arg1", value: "" } }, false],
  ];
  test.each(BATTERY)("%s %j: resultType, serverInfo, and cache hints exactly when cacheable", async (method, params, cacheable) => {
    const r = await result(method, params);
    expect([r.resultType, r._meta[K.serverInfo]]).toEqual(["complete", INFO]);
    expect([r.ttlMs, r.cacheScope]).toEqual(cacheable ? [5000, "public"] : [undefined, undefined]);
  });

  test("discover declares exactly the capabilities whose methods this era serves", async () => {
    expect((await result("server/discover")).capabilities).toEqual({ completions: {}, logging: {}, prompts: { listChanged: true }, resources: { subscribe: true, listChanged: true }, tools: { listChanged: true }, extensions: { "io.modelcontextprotocol/tasks": {}, "io.modelcontextprotocol/skills": { directoryRead: true } } });
    const bare = startModern({ everything: false, server: { features: { tools: false, prompts: false, logging: false } } });
    try {
      const d = await mcall(bare.url, "b-0", "server/discover");
      expect(d.body.result.capabilities).toEqual({ completions: {}, resources: { subscribe: true, listChanged: true } });
      for (const method of ["tools/list", "prompts/list"]) {
        const a = await mcall(bare.url, `b-${method}`, method);
        expect([method, a.status, a.body.id, a.body.error?.code]).toEqual([method, 404, `b-${method}`, -32601]);
      }
      expect((await mcall(bare.url, "b-r", "resources/list")).status).toBe(200);
    } finally {
      await bare.stop();
    }
  });

  test("test://stateless-static-text is private; input_required carries no hints", async () => {
    const r = await result("resources/read", { uri: "test://stateless-static-text" });
    expect([r.ttlMs, r.cacheScope, r.contents[0].text]).toEqual([60_000, "private", "This is the content of the stateless static text resource."]);
    const ir = await result("tools/call", { name: "test_input_required_result_elicitation", arguments: {} });
    expect([ir.resultType, "ttlMs" in ir, "cacheScope" in ir]).toEqual(["input_required", false, false]);
  });

  test("every page of a paginated list has the same cacheScope", async () => {
    const pages: Msg[] = [];
    let cursor: string | undefined;
    do {
      const page = await result("tools/list", cursor === undefined ? {} : { cursor });
      pages.push(page);
      cursor = page.nextCursor;
    } while (cursor !== undefined && pages.length < 50);
    const names = pages.flatMap((p) => p.tools.map((t: Msg) => t.name));
    expect(pages.length).toBe(Math.ceil(names.length / 4));
    expect(pages.length).toBeGreaterThan(5);
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(pages.map((p) => `${p.cacheScope}/${p.ttlMs}/${p.resultType}`))).toEqual(new Set(["public/5000/complete"]));
  });

  test("2025 results of the same server carry none of it", async () => {
    const legacy = await LegacyHttp.open(s.url);
    for (const [method, params] of [["tools/list", {}], ["resources/read", { uri: "test://stateless-static-text" }], ["prompts/list", {}]] as const) {
      const r = (await legacy.call(method, params)).result;
      expect([method, r.resultType, r.ttlMs, r.cacheScope, r._meta]).toEqual([method, undefined, undefined, undefined, undefined]);
    }
  });
});

describe("one definition, two eras", () => {
  test("tools/list drops `execution` on 2026-07-28 and keeps it on 2025-11-25", async () => {
    const all = async (call: (cursor?: string) => Promise<Msg>) => {
      const tools: Msg[] = [];
      let cursor: string | undefined;
      do {
        const page = await call(cursor);
        tools.push(...page.tools);
        cursor = page.nextCursor;
      } while (cursor);
      return tools;
    };
    const legacy = await LegacyHttp.open(s.url);
    const modern = await all((cursor) => result("tools/list", cursor ? { cursor } : {}));
    const old = await all(async (cursor) => (await legacy.call("tools/list", cursor ? { cursor } : {})).result);
    expect(modern.map((t) => t.name)).toEqual(old.map((t) => t.name));
    expect(modern.filter((t) => "execution" in t)).toEqual([]);
    const optional = { taskSupport: "optional" };
    const required = { taskSupport: "required" };
    expect(old.filter((t) => "execution" in t).map((t) => [t.name, t.execution])).toEqual([
      ["slow_compute", optional],
      ["failing_job", required],
      ["protocol_error_job", optional],
      ["confirm_delete", optional],
      ["multi_input", optional],
      ["test_tool_with_task", required],
      ["modern_task_tool", optional],
    ]);
  });

  test("a resource that does not exist: -32602 on 2026-07-28, -32002 on 2025-11-25, both with data.uri", async () => {
    const uri = "test://nonexistent-resource-for-conformance-testing";
    const a = await mcall(s.url, "nf-1", "resources/read", { uri });
    expect([a.status, a.body.error]).toEqual([200, { code: -32602, message: `Resource not found: ${uri}`, data: { uri } }]);
    const legacy = await LegacyHttp.open(s.url);
    expect((await legacy.call("resources/read", { uri })).error).toEqual({ code: -32002, message: `Resource not found: ${uri}`, data: { uri } });
  });

  test("logging: only with _meta logLevel, at or above it, and only on that request's stream", async () => {
    const quiet = await mcall(s.url, "log-0", "tools/call", { name: "test_logging_tool", arguments: {} });
    expect([quiet.mode, quiet.notifications]).toEqual(["json", []]);
    const [loud, plain] = await Promise.all([
      mcall(s.url, "log-1", "tools/call", { name: "test_tool_with_logging", arguments: {}, _meta: { [K.logLevel]: "info" } }),
      mcall(s.url, "log-2", "tools/call", { name: "test_tool_with_logging", arguments: {} }),
    ]);
    expect(loud.notifications.map((n) => [n.method, n.params.data])).toEqual([
      ["notifications/message", "Tool execution started"],
      ["notifications/message", "Tool processing data"],
      ["notifications/message", "Tool execution completed"],
    ]);
    expect([plain.mode, plain.notifications, plain.body.result.content[0].text]).toEqual(["json", [], "Tool with logging executed successfully"]);
    const warn = await mcall(s.url, "log-3", "tools/call", { name: "test_logging_tool", arguments: {}, _meta: { [K.logLevel]: "warning" } });
    expect(warn.notifications.map((n) => n.params.level)).toEqual(["warning", "error"]);
  });

  test("sampling, elicitation and roots only as input requests; the stream carries notifications and one final result", async () => {
    const sample = await result("tools/call", { name: "test_sampling", arguments: { prompt: "hi" } });
    expect(Object.values(sample.inputRequests)).toEqual([{ method: "sampling/createMessage", params: { messages: [{ role: "user", content: { type: "text", text: "hi" } }], maxTokens: 100 } }]);
    const stream = await mcall(s.url, "st-1", "tools/call", { name: "test_streaming_elicitation", arguments: {}, _meta: { progressToken: "p", [K.logLevel]: "info" } });
    expect(stream.mode).toBe("sse");
    expect(stream.notifications.map((n) => n.method)).toEqual(["notifications/progress", "notifications/message"]);
    expect(stream.body.result.resultType).toBe("input_required");
    const [key] = Object.keys(stream.body.result.inputRequests);
    const done = await mcall(s.url, "st-2", "tools/call", {
      name: "test_streaming_elicitation",
      arguments: {},
      inputResponses: { [key!]: { action: "accept", content: { name: "Ann" } } },
      requestState: stream.body.result.requestState,
      _meta: { progressToken: "p" },
    });
    expect(done.notifications.map((n) => [n.method, n.params.progress])).toEqual([["notifications/progress", 0], ["notifications/progress", 1]]);
    expect(done.body.result.content[0].text).toBe('Streaming elicitation: action=accept, content={"name":"Ann"}');
  });

  test("a modern stdio connection never receives a JSON-RPC request, whatever the tools ask for", async () => {
    const c = LineClient.stdio(MODERN_STDIO);
    try {
      const calls: [string, Msg][] = [
        ["test_sampling", { prompt: "p" }],
        ["test_elicitation", { message: "m" }],
        ["test_input_required_result_list_roots", {}],
        ["test_streaming_elicitation", {}],
        ["test_input_required_result_multiple_inputs", {}],
        ["test_missing_capability", {}],
      ];
      const names = calls.map(([name]) => name);
      for (const [name, args] of calls) {
        const r = await c.call("tools/call", { name, arguments: args, _meta: { progressToken: name, [K.logLevel]: "debug" } });
        expect([name, r.result?.resultType]).toEqual([name, "input_required"]);
      }
      expect((await c.call("tools/call", { name: "test_missing_capability", arguments: {} }, { caps: {} })).error.code).toBe(-32021);
      await c.barrier();
      expect(c.received.length).toBeGreaterThan(names.length + 2);
      expect(c.received.filter((m) => "method" in m && "id" in m)).toEqual([]);
    } finally {
      await c.close();
    }
  });
});

describe("cancellation", () => {
  test("closing the HTTP response aborts the handler, before any byte was sent and after the SSE upgrade", async () => {
    const ctl = new AbortController();
    const pending = mpost(s.url, mreq("c-1", "tools/call", { name: "modern_wait", arguments: { tag: "http-1" } }), { signal: ctl.signal }).catch((e: Error) => e.name);
    await until(() => s.state.started.includes("http-1"), "the tool to start");
    ctl.abort();
    expect(await pending).toBe("AbortError");
    await until(() => s.state.aborted.includes("http-1"), "the handler to see the abort");

    const upgraded = await mpost(s.url, mreq("c-2", "tools/call", { name: "modern_wait", arguments: { tag: "http-2" }, _meta: { progressToken: "w" } }));
    expect(upgraded.headers.get("content-type")).toBe("text/event-stream");
    const reader = new SseReader(upgraded);
    expect((await reader.messages(1))[0]!.message).toEqual({ jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: "w", progress: 0, total: 1, message: "waiting" } });
    await reader.cancel();
    await until(() => s.state.aborted.includes("http-2"), "the handler to see the stream close");
    expect(s.state.aborted).toEqual(["http-1", "http-2"]);
  });

  test.each(["stdio", "tcp"])("notifications/cancelled stops the request on %s, and nothing more is sent for it", async (transport) => {
    const c = transport === "stdio" ? LineClient.stdio(MODERN_STDIO) : await LineClient.tcp(s.tcp!.hostname, s.tcp!.port);
    const state = async () => JSON.parse((await c.call("resources/read", { uri: MODERN_STATE_URI })).result.contents[0].text);
    try {
      c.request("tools/call", { name: "modern_wait", arguments: { tag: `${transport}-1` } }, { id: "w-1" });
      await until(async () => (await state()).started.includes(`${transport}-1`), "the tool to start");
      c.send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: "w-1", reason: "test" } });
      await until(async () => (await state()).aborted.includes(`${transport}-1`), "the handler to see the abort");
      await c.barrier();
      await Bun.sleep(50);
      expect(c.received.filter((m) => m.id === "w-1" || m.params?.requestId === "w-1")).toEqual([]);
    } finally {
      await c.close();
    }
  });
});
