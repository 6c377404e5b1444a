/**
 * The transport contract: one behaviour suite, run unchanged over stdio, TCP, Streamable HTTP
 * (JSON, SSE and auto response modes), the legacy HTTP+SSE pair and WebSocket. Each test opens its
 * own raw client (test/contract/clients.ts) and speaks JSON-RPC itself, so what is checked is
 * exactly what goes over the wire.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { CONFORMANCE_TOOLS } from "../fixtures/conformance-tools.ts";
import { SERVER_INFO, startNetworkServer, type NetworkServer } from "../fixtures/network-server.ts";
import { LOG_LEVELS_LOGGER } from "../fixtures/network-tools.ts";
import { openClient, TRANSPORTS, type Msg } from "./clients.ts";
import { fixtureState, handshake, LATEST, Peer } from "./peer.ts";

const WATCHED = "test://watched-resource";
/** Tests that move many megabytes get room beyond Bun's 5 s default. */
const SLOW_TEST_MS = 30_000;

const CAPABILITIES = {
  logging: {},
  completions: {},
  prompts: { listChanged: true },
  resources: { subscribe: true, listChanged: true },
  tools: { listChanged: true },
  tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } },
  // The everything profile registers skills, so the skills extension (SEP-2640) is declared.
  extensions: { "io.modelcontextprotocol/skills": { directoryRead: true } },
};

/** The interop extras and network tools, registered after the profile, in order. */
const EXTRA_TOOLS = [
  "structured_add",
  "structured_broken",
  "wait_for_cancel",
  "list_roots",
  "elicit_url",
  "slow_task",
  "sample_with_tools",
  "needs_authorization",
  "required_task",
  "ask_in_task",
  "hang",
  "touch_resource",
  "log_levels",
  "flood",
  "big_text",
];

let net: NetworkServer;
beforeAll(() => {
  net = startNetworkServer({ http: [{ responseMode: "json" }, { responseMode: "sse" }, { responseMode: "auto" }], tcp: {} });
});
afterAll(() => net.stop());

const textResult = (id: string, text: string) => ({ jsonrpc: "2.0", id, result: { content: [{ type: "text", text }] } });

describe.each(TRANSPORTS)("over %s", (transport) => {
  /** Runs `body` with a fresh connected peer, closing it whatever happens. */
  async function withPeer(body: (p: Peer) => Promise<void>, capabilities: Record<string, unknown> = {}): Promise<void> {
    // The body's assertions are the test: it must make some.
    expect.hasAssertions();
    const p = new Peer(await openClient(transport, net));
    try {
      await handshake(p, capabilities);
      await body(p);
    } finally {
      await p.raw.close();
    }
  }

  describe("initialize", () => {
    test("answers 2025-11-25 with the server's capabilities and info", async () => {
      const p = new Peer(await openClient(transport, net));
      try {
        const init = await handshake(p);
        expect(init).toEqual({ jsonrpc: "2.0", id: "r1", result: { protocolVersion: LATEST, capabilities: CAPABILITIES, serverInfo: SERVER_INFO } });
        expect(await p.request("ping")).toEqual({ jsonrpc: "2.0", id: "r2", result: {} });
      } finally {
        await p.raw.close();
      }
    });

    test.each([
      ["2025-06-18", "2025-06-18"],
      ["2025-03-26", "2025-03-26"],
      ["1999-01-01", LATEST],
    ])("a client asking for %s gets %s, and the session then works", async (asked, answered) => {
      const p = new Peer(await openClient(transport, net));
      try {
        const init = await handshake(p, {}, asked);
        expect(init.result.protocolVersion).toBe(answered);
        expect(await p.request("tools/call", { name: "test_simple_text", arguments: {} })).toEqual(textResult("r2", "This is a simple text response for testing."));
      } finally {
        await p.raw.close();
      }
    });
  });

  test("ping answers an empty result", () =>
    withPeer(async (p) => {
      expect(await p.request("ping")).toEqual({ jsonrpc: "2.0", id: "r2", result: {} });
    }));

  test("tools/list lists every tool with its exact descriptor", () =>
    withPeer(async (p) => {
      const r = await p.request("tools/list");
      const names: string[] = r.result.tools.map((t: Msg) => t.name);
      expect(new Set(names).size).toBe(names.length);
      expect(names).toEqual(expect.arrayContaining(CONFORMANCE_TOOLS));
      expect(names.slice(-EXTRA_TOOLS.length)).toEqual(EXTRA_TOOLS);
      expect(r.result.nextCursor).toBeUndefined();
      expect(r.result.tools[0]).toEqual({ name: "test_simple_text", description: "Tests simple text content response", inputSchema: { type: "object", properties: {} } });
      expect(r.result.tools.find((t: Msg) => t.name === "test_sampling")).toEqual({
        name: "test_sampling",
        description: "Tests server-initiated sampling (LLM completion request)",
        inputSchema: {
          $schema: "https://json-schema.org/draft/2020-12/schema",
          type: "object",
          properties: { prompt: { type: "string", description: "The prompt to send to the LLM" } },
          required: ["prompt"],
        },
      });
    }));

  test("pipelined requests are each answered once, under their own id", () =>
    withPeer(async (p) => {
      const n = 20;
      const ids: string[] = [];
      for (let i = 0; i < n; i++) ids.push(await p.start("tools/call", { name: "structured_add", arguments: { a: i, b: 1 } }));
      const answers = await Promise.all(ids.map((id) => p.response(id)));
      expect(answers.map((a) => a.result.structuredContent)).toEqual(Array.from({ length: n }, (_, i) => ({ sum: i + 1 })));
      await p.request("ping");
      expect(p.raw.received.filter((m) => ids.includes(m.id))).toHaveLength(n);
    }));

  test("one answer far larger than the send-queue bound (12 MiB; tcp/http.maxQueueBytes is 4 MiB) reaches a reading client whole", () =>
    withPeer(async (p) => {
      const bytes = 12 * 1024 * 1024;
      const r = await p.request("tools/call", { name: "big_text", arguments: { bytes } }, 10_000);
      expect(r.result.content).toHaveLength(1);
      expect(r.result.content[0].text).toBe("x".repeat(bytes));
      expect(await p.request("ping")).toEqual({ jsonrpc: "2.0", id: "r3", result: {} });
    }),
    SLOW_TEST_MS,
  );

  test("tools/call returns the tool's text", () =>
    withPeer(async (p) => {
      expect(await p.request("tools/call", { name: "test_simple_text", arguments: {} })).toEqual(textResult("r2", "This is a simple text response for testing."));
    }));

  test("arguments that fail the input schema are an isError result, not a protocol error", () =>
    withPeer(async (p) => {
      expect(await p.request("tools/call", { name: "test_sampling", arguments: { prompt: 5 } })).toEqual({
        jsonrpc: "2.0",
        id: "r2",
        result: { content: [{ type: "text", text: "Invalid arguments for tool test_sampling: prompt: Invalid input: expected string, received number" }], isError: true },
      });
    }));

  test("an unknown method is -32601", () =>
    withPeer(async (p) => {
      expect(await p.request("foo/bar", {})).toEqual({ jsonrpc: "2.0", id: "r2", error: { code: -32601, message: "Method not found: foo/bar" } });
    }));

  test("an unknown tool is -32602", () =>
    withPeer(async (p) => {
      expect(await p.request("tools/call", { name: "no_such_tool", arguments: {} })).toEqual({
        jsonrpc: "2.0",
        id: "r2",
        error: { code: -32602, message: "Unknown tool: no_such_tool" },
      });
    }));

  test("malformed JSON is -32700 with a null id, and the connection keeps working", () =>
    withPeer(async (p) => {
      await p.raw.sendRaw('{"jsonrpc":"2.0","id":"broken","method":"ping",');
      const error = await p.raw.next((m) => "error" in m, "the parse error");
      expect(error).toEqual({ jsonrpc: "2.0", id: null, error: { code: -32700, message: expect.stringMatching(/^Parse error: /) } });
      expect(await p.request("ping")).toEqual({ jsonrpc: "2.0", id: "r2", result: {} });
      expect(p.raw.received.filter((m) => m.id === "broken")).toEqual([]);
    }));

  test("notifications/cancelled aborts the handler and the request gets no response", () =>
    withPeer(async (p) => {
      const tag = `cancel-${transport}`;
      const id = await p.start("tools/call", { name: "hang", arguments: { tag }, _meta: { progressToken: "hang-1" } });
      // The handler is running once its "started" progress arrives.
      expect(await p.notification("notifications/progress", (q) => q.progressToken === "hang-1")).toEqual({
        jsonrpc: "2.0",
        method: "notifications/progress",
        params: { progressToken: "hang-1", progress: 0, message: "started" },
      });
      await p.notify("notifications/cancelled", { requestId: id, reason: "the user pressed stop" });
      const deadline = Date.now() + 3000;
      while (!(await fixtureState(p)).aborted.includes(tag)) {
        if (Date.now() > deadline) throw new Error(`the handler of ${tag} was not aborted within 3 s`);
        await Bun.sleep(20);
      }
      expect((await fixtureState(p)).aborted.filter((t) => t === tag)).toHaveLength(1);
      await p.request("ping");
      await Bun.sleep(50);
      expect(p.responsesTo(id)).toEqual([]);
    }));

  test("progress notifications carry the request's token, in order, and the result follows", () =>
    withPeer(async (p) => {
      const id = await p.start("tools/call", { name: "test_tool_with_progress", arguments: {}, _meta: { progressToken: 7 } });
      expect(await p.response(id)).toEqual(textResult(id, "Progress test completed"));
      for (let i = 0; i < 3; i++) await p.notification("notifications/progress", (q) => q.progressToken === 7);
      expect(p.notifications("notifications/progress").map((n) => n.params)).toEqual(
        [0, 50, 100].map((progress) => ({ progressToken: 7, progress, total: 100, message: `Completed step ${progress} of 100` })),
      );
    }));

  test("resources/subscribe delivers notifications/resources/updated until unsubscribe", () =>
    withPeer(async (p) => {
      expect(await p.request("resources/subscribe", { uri: WATCHED })).toEqual({ jsonrpc: "2.0", id: "r2", result: {} });
      expect(await p.request("tools/call", { name: "touch_resource", arguments: { uri: WATCHED } })).toEqual(textResult("r3", `touched ${WATCHED}`));
      expect(await p.notification("notifications/resources/updated")).toEqual({ jsonrpc: "2.0", method: "notifications/resources/updated", params: { uri: WATCHED } });
      // A resource nobody subscribed to is not announced.
      await p.request("tools/call", { name: "touch_resource", arguments: { uri: "test://static-text" } });
      expect(await p.request("resources/unsubscribe", { uri: WATCHED })).toEqual({ jsonrpc: "2.0", id: "r5", result: {} });
      await p.request("tools/call", { name: "touch_resource", arguments: { uri: WATCHED } });
      await p.request("ping");
      await Bun.sleep(100);
      expect(p.notifications("notifications/resources/updated")).toHaveLength(1);
    }));

  test("logging/setLevel filters notifications/message by severity", () =>
    withPeer(async (p) => {
      const atError = (q: Msg) => q.logger === LOG_LEVELS_LOGGER && q.data === "at error";
      expect(await p.request("logging/setLevel", { level: "warning" })).toEqual({ jsonrpc: "2.0", id: "r2", result: {} });
      expect(await p.request("tools/call", { name: "log_levels", arguments: {} })).toEqual(textResult("r3", "logged"));
      await p.notification("notifications/message", atError);
      expect(await p.request("logging/setLevel", { level: "debug" })).toEqual({ jsonrpc: "2.0", id: "r4", result: {} });
      expect(await p.request("tools/call", { name: "log_levels", arguments: {} })).toEqual(textResult("r5", "logged"));
      await p.notification("notifications/message", atError);
      // Each call's messages travel on one stream in order, so the first call's filtered-out
      // debug and info would have arrived before its error message.
      expect(p.notifications("notifications/message")).toEqual(
        (["warning", "error", "debug", "info", "warning", "error"] as const).map((level) => ({
          jsonrpc: "2.0",
          method: "notifications/message",
          params: { level, logger: LOG_LEVELS_LOGGER, data: `at ${level}` },
        })),
      );
      expect(await p.request("logging/setLevel", { level: "loud" })).toEqual({
        jsonrpc: "2.0",
        id: "r6",
        error: { code: -32602, message: 'Invalid log level "loud": expected one of debug, info, notice, warning, error, critical, alert, emergency' },
      });
    }));

  test("a tool's sampling/createMessage goes to the client and its answer comes back", () =>
    withPeer(
      async (p) => {
        const id = await p.start("tools/call", { name: "test_sampling", arguments: { prompt: "What is 2+2?" } });
        const ask = await p.raw.next((m) => m.method === "sampling/createMessage" && "id" in m, "the sampling request");
        expect(ask).toEqual({
          jsonrpc: "2.0",
          id: ask.id,
          method: "sampling/createMessage",
          params: { messages: [{ role: "user", content: { type: "text", text: "What is 2+2?" } }], maxTokens: 100 },
        });
        expect(p.responsesTo(id)).toEqual([]);
        await p.raw.send({ jsonrpc: "2.0", id: ask.id, result: { role: "assistant", content: { type: "text", text: "4" }, model: "test-model", stopReason: "endTurn" } });
        expect(await p.response(id)).toEqual(textResult(id, "LLM response: 4"));
      },
      { sampling: {} },
    ));
});
