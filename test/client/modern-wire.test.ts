/**
 * The 2026-07-28 wire as the client writes it on HTTP: Mcp-* headers with base64 sentinels,
 * Mcp-Param-* for x-mcp-header arguments (learned from tools/list, refreshed on -32020 and on
 * tools/list_changed), tools with invalid annotations dropped, the exact shape of each
 * input_required retry, per-request logLevel, and cancellation by closing the stream.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createClient, type McpClient } from "../../src/client/client.ts";
import { startNetworkServer, type NetworkServer } from "../fixtures/network-server.ts";
import { DISCOVER, result, startFake, startProxy, waitFor, type Msg } from "./helpers.ts";

let net: NetworkServer;
let proxy: ReturnType<typeof startProxy>;
let client: McpClient;
beforeAll(async () => {
  net = startNetworkServer({ http: [{ responseMode: "auto" }] });
  proxy = startProxy(net.httpFor("auto").url);
  client = createClient({ name: "wire-client", version: "1.0.0", handlers: { elicitation: () => ({ action: "accept", content: { name: "Ada" } }) } });
  await client.connect({ url: proxy.url });
});
afterAll(async () => {
  await client.close();
  proxy.stop();
  await net.stop();
});

/** The headers of the last POST of `method` the proxy saw. */
const lastPost = (method: string) => proxy.seen.filter((s) => s.method === "POST" && s.body?.method === method).at(-1)!;

describe("headers against our server", () => {
  test("Mcp-Param-Region mirrors the x-mcp-header argument, base64 when not plain ASCII; the server accepts both", async () => {
    expect((await client.callTool("test_header_param", { region: "Zürich" })).content).toEqual([{ type: "text", text: "region=Zürich" }]);
    expect(lastPost("tools/call").headers).toMatchObject({
      "mcp-protocol-version": "2026-07-28",
      "mcp-method": "tools/call",
      "mcp-name": "test_header_param",
      "mcp-param-region": "=?base64?WsO8cmljaA==?=",
    });
    expect((await client.callTool("test_header_param", { region: "eu-west-1" })).content).toEqual([{ type: "text", text: "region=eu-west-1" }]);
    expect(lastPost("tools/call").headers["mcp-param-region"]).toBe("eu-west-1");
    // The first call learned the tools once; the second did not list them again.
    expect(proxy.seen.filter((s) => s.body?.method === "tools/list").length).toBe(1);
  });

  test("Mcp-Name carries the resource URI and the prompt name", async () => {
    await client.readResource("test://static-text");
    expect(lastPost("resources/read").headers).toMatchObject({ "mcp-method": "resources/read", "mcp-name": "test://static-text" });
    await client.getPrompt("test_simple_prompt");
    expect(lastPost("prompts/get").headers).toMatchObject({ "mcp-method": "prompts/get", "mcp-name": "test_simple_prompt" });
    await client.listTools();
    expect(lastPost("tools/list").headers["mcp-name"]).toBeUndefined();
  });

  test("the log level travels in each request's _meta once set", async () => {
    await client.listPrompts();
    expect(lastPost("prompts/list").body.params._meta["io.modelcontextprotocol/logLevel"]).toBeUndefined();
    await client.setLogLevel("debug");
    await client.listPrompts();
    expect(lastPost("prompts/list").body.params._meta["io.modelcontextprotocol/logLevel"]).toBe("debug");
    // One request may ask for its own level.
    await client.listPrompts({ logLevel: "error" });
    expect(lastPost("prompts/list").body.params._meta["io.modelcontextprotocol/logLevel"]).toBe("error");
    expect(proxy.seen.some((s) => s.body?.method === "logging/setLevel")).toBe(false);
  });

  test("cancelling closes the stream; no notifications/cancelled is POSTed", async () => {
    const controller = new AbortController();
    const call = client.callTool("wait_for_cancel", { tag: "wire-cancel" }, { signal: controller.signal });
    await Bun.sleep(100);
    controller.abort();
    await expect(call).rejects.toMatchObject({ code: "request_cancelled" });
    await waitFor(() => net.state.aborted.includes("wire-cancel"), "the server to abort the handler");
    expect(proxy.seen.some((s) => s.body?.method === "notifications/cancelled")).toBe(false);
  });

  test("tools/list_changed on a listen stream makes the next call learn the tools again", async () => {
    const before = proxy.seen.filter((s) => s.body?.method === "tools/list").length;
    const sub = client.listen({ toolsListChanged: true });
    await sub.acknowledged;
    await client.callTool("test_trigger_tool_change");
    for await (const n of sub) if (n.method === "notifications/tools/list_changed") break;
    await client.callTool("test_header_param", { region: "x" });
    expect(proxy.seen.filter((s) => s.body?.method === "tools/list").length).toBe(before + 1);
  });
});

describe("x-mcp-header rules (2026-07-28 §2.3)", () => {
  const tool = (name: string, properties: Record<string, unknown>) => ({ name, inputSchema: { type: "object", properties } });

  test("tools whose annotations break the rules are dropped and reported", async () => {
    const fake = startFake((m) =>
      m.method === "server/discover"
        ? result(m, DISCOVER)
        : result(m, {
            resultType: "complete",
            tools: [
              tool("good", { region: { type: "string", "x-mcp-header": "Region" }, n: { type: "integer", "x-mcp-header": "N" } }),
              tool("on_a_number", { x: { type: "number", "x-mcp-header": "X" } }),
              tool("not_a_token", { x: { type: "string", "x-mcp-header": "Bad Name" } }),
              tool("duplicate", { a: { type: "string", "x-mcp-header": "Same" }, b: { type: "string", "x-mcp-header": "same" } }),
              { name: "nested", inputSchema: { type: "object", properties: { o: { type: "object", properties: { deep: { type: "string", "x-mcp-header": "Deep" } } } } } },
              tool("named_like_the_keyword", { "x-mcp-header": { type: "string" } }),
            ],
          }),
    );
    const c = createClient({ name: "c", version: "1" });
    const errors: string[] = [];
    c.onError((e) => errors.push(e.message));
    try {
      await c.connect({ url: fake.url });
      expect((await c.listTools()).tools.map((t) => t.name)).toEqual(["good", "named_like_the_keyword"]);
      expect(errors.map((e) => /^tool "(\w+)" was dropped/.exec(e)?.[1])).toEqual(["on_a_number", "not_a_token", "duplicate", "nested"]);
    } finally {
      await c.close();
      fake.stop();
    }
  });

  test("-32020 on a call: the tools are listed again and the call retried once with the new headers", async () => {
    let listing = 0;
    const fake = startFake((m, req) => {
      if (m.method === "server/discover") return result(m, DISCOVER);
      if (m.method === "tools/list")
        return result(m, { resultType: "complete", tools: [tool("t", ++listing === 1 ? { id: { type: "integer" } } : { id: { type: "integer", "x-mcp-header": "Id" } })] });
      if (req.headers.get("mcp-param-id") !== "42")
        return Response.json({ jsonrpc: "2.0", id: m.id, error: { code: -32020, message: "Header mismatch: mcp-param-id is required" } }, { status: 400 });
      return result(m, { resultType: "complete", content: [{ type: "text", text: "ok" }] });
    });
    const c = createClient({ name: "c", version: "1" });
    try {
      await c.connect({ url: fake.url });
      expect((await c.callTool("t", { id: 42 })).content).toEqual([{ type: "text", text: "ok" }]);
      expect(fake.seen.map((s) => `${s.body?.method} ${s.headers["mcp-param-id"] ?? "-"}`)).toEqual(["server/discover -", "tools/list -", "tools/call -", "tools/list -", "tools/call 42"]);
    } finally {
      await c.close();
      fake.stop();
    }
  });
});

describe("input_required retries (2026-07-28 §1.5)", () => {
  test("each retry: same method and params, a new id, only that round's answers, the state exactly as received", async () => {
    const rounds: Msg[] = [];
    const fake = startFake((m) => {
      if (m.method === "server/discover") return result(m, { ...DISCOVER, capabilities: {} });
      if (m.method !== "tools/call") return result(m, { resultType: "complete", tools: [] });
      rounds.push(m);
      const step = rounds.filter((r) => r.params.name === m.params.name).length;
      if (m.params.name === "plain") return result(m, { content: [] });
      if (m.params.name === "stateless")
        return step === 1 ? result(m, { resultType: "input_required", inputRequests: { roots: { method: "roots/list" } } }) : result(m, { content: [] });
      if (step === 1)
        return result(m, { resultType: "input_required", inputRequests: { a: { method: "elicitation/create", params: { message: "A?", requestedSchema: { type: "object", properties: { name: { type: "string" } } } } } }, requestState: "opaque state ✓ 1" });
      if (step === 2) return result(m, { resultType: "input_required", inputRequests: { b: { method: "roots/list", params: {} } }, requestState: "opaque state ✓ 2" });
      return result(m, { resultType: "complete", content: [{ type: "text", text: "done" }] });
    });
    const c = createClient({ name: "c", version: "1", handlers: { elicitation: () => ({ action: "accept", content: { name: "Ada" } }), roots: () => [{ uri: "file:///r" }] } });
    try {
      await c.connect({ url: fake.url });
      expect((await c.callTool("stateful", { x: 1 })).content).toEqual([{ type: "text", text: "done" }]);
      await c.callTool("stateless");
      await c.callTool("plain");
      const strip = (m: Msg) => {
        const { _meta, ...rest } = m.params;
        return { id: m.id, ...rest };
      };
      expect(rounds.map(strip)).toEqual([
        { id: 2, name: "stateful", arguments: { x: 1 } },
        { id: 3, name: "stateful", arguments: { x: 1 }, inputResponses: { a: { action: "accept", content: { name: "Ada" } } }, requestState: "opaque state ✓ 1" },
        { id: 4, name: "stateful", arguments: { x: 1 }, inputResponses: { b: { roots: [{ uri: "file:///r" }] } }, requestState: "opaque state ✓ 2" },
        { id: 5, name: "stateless", arguments: {} },
        { id: 6, name: "stateless", arguments: {}, inputResponses: { roots: { roots: [{ uri: "file:///r" }] } } },
        { id: 7, name: "plain", arguments: {} },
      ]);
    } finally {
      await c.close();
      fake.stop();
    }
  });
});
