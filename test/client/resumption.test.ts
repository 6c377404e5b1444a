/**
 * Resumable streams of 2025 sessions (2025-11-25 §3.2.5, SEP-1699): a POST stream the server
 * closes before answering is resumed by GET with Last-Event-ID after the server's `retry`; the
 * standalone GET stream is reopened the same way; streams that cannot be resumed fail their
 * request with an error that says why. 2026-07-28 streams are never resumed.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createClient } from "../../src/client/client.ts";
import type { JsonRpcNotification } from "../../src/jsonrpc/message.ts";
import { startNetworkServer, type NetworkServer } from "../fixtures/network-server.ts";
import { startProxy, waitFor, type Msg } from "./helpers.ts";

const RETRY_MS = 300;
let net: NetworkServer;
beforeAll(() => {
  net = startNetworkServer({ http: [{ responseMode: "sse", retryMs: RETRY_MS }] });
});
afterAll(async () => {
  await net.stop();
});

const OPTIONS = { name: "resume-client", version: "1.0.0", era: "session" as const };

describe("2025 sessions", () => {
  test("test_reconnection: the closed POST stream is resumed by GET with Last-Event-ID after retry ms", async () => {
    const proxy = startProxy(net.httpFor("sse").url);
    const client = createClient(OPTIONS);
    try {
      await client.connect({ url: proxy.url });
      const r = await client.callTool("test_reconnection");
      expect(r.content).toEqual([
        { type: "text", text: "Reconnection test completed successfully. If you received this, the client properly reconnected after stream closure." },
      ]);
      const post = proxy.seen.find((s) => s.method === "POST" && s.body?.params?.name === "test_reconnection")!;
      const resume = proxy.seen.find((s) => s.method === "GET" && s.headers["last-event-id"] !== undefined && s.at > post.at)!;
      expect(resume).toBeDefined();
      expect(resume.headers["last-event-id"]).toMatch(/^\S+$/);
      expect(resume.headers["mcp-session-id"]).toBe(post.headers["mcp-session-id"]!);
      expect(resume.headers["mcp-protocol-version"]).toBe("2025-11-25");
      // The stream closed right after the POST arrived; the client waited the server's retry.
      expect(resume.at - post.at).toBeGreaterThanOrEqual(RETRY_MS - 20);
    } finally {
      await client.close();
      proxy.stop();
    }
  });

  test("a dropped standalone GET stream is reopened with the Last-Event-ID it saw, and carries notifications again", async () => {
    const proxy = startProxy(net.httpFor("sse").url);
    // Our server sends no retry hint on GET streams, so the client's own default applies.
    const client = createClient({ ...OPTIONS, defaultRetryMs: 200 });
    const changed: JsonRpcNotification[] = [];
    client.onNotification("notifications/tools/list_changed", (n) => changed.push(n));
    try {
      await client.connect({ url: proxy.url });
      const gets = () => proxy.seen.filter((s) => s.method === "GET");
      await waitFor(() => gets().length === 1, "the standalone GET stream");
      expect(gets()[0]!.headers["last-event-id"]).toBeUndefined();
      // An unsolicited notification travels on the GET stream, with an event id.
      await client.callTool("test_trigger_tool_change");
      await waitFor(() => changed.length === 1, "tools/list_changed on the standalone stream");
      expect(proxy.dropStreams()).toBe(1);
      const dropped = performance.now();
      await waitFor(() => gets().length === 2, "the reconnection");
      expect(gets()[1]!.headers["last-event-id"]).toMatch(/^\S+_\d+$/);
      expect(gets()[1]!.headers["mcp-session-id"]).toBe(gets()[0]!.headers["mcp-session-id"]!);
      expect(gets()[1]!.at - dropped).toBeGreaterThanOrEqual(180);
      await Bun.sleep(50);
      await client.callTool("test_trigger_tool_change");
      await waitFor(() => changed.length === 2, "tools/list_changed on the reopened stream");
    } finally {
      await client.close();
      proxy.stop();
    }
  });
});

/** A scripted legacy server: initialize opens a session; tools/call gets `stream`; GET gets `resume`. */
function scripted(stream: () => string, resume: (lastEventId: string | null) => Response, standalone: () => Response = () => new Response(null, { status: 405 })) {
  let standaloneGets = 0;
  const gets: (string | null)[] = [];
  const sse = (body: string) => new Response(body, { headers: { "content-type": "text/event-stream" } });
  const bun = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      if (req.method === "DELETE") return new Response(null, { status: 204 });
      if (req.method === "GET") {
        // The standalone stream (no Last-Event-ID); by default not offered.
        if (!req.headers.get("last-event-id")) return standaloneGets++, standalone();
        gets.push(req.headers.get("last-event-id"));
        return resume(req.headers.get("last-event-id"));
      }
      const m = (await req.json()) as Msg;
      if (m.method === "initialize")
        return Response.json({ jsonrpc: "2.0", id: m.id, result: { protocolVersion: "2025-11-25", capabilities: { tools: {} }, serverInfo: { name: "scripted", version: "1" } } }, { headers: { "mcp-session-id": "s1" } });
      if (m.id === undefined) return new Response(null, { status: 202 });
      if (m.method === "tools/call") return sse(stream());
      return Response.json({ jsonrpc: "2.0", id: m.id, error: { code: -32601, message: "no" } });
    },
  });
  return {
    url: `http://127.0.0.1:${bun.port}/mcp`,
    gets,
    get standaloneGets() {
      return standaloneGets;
    },
    stop: () => bun.stop(true),
  };
}

describe("streams that cannot be resumed", () => {
  test("no event id: the call fails at once, naming the missing id", async () => {
    const s = scripted(() => "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{\"level\":\"info\",\"data\":\"x\"}}\n\n", () => new Response(null, { status: 500 }));
    const client = createClient(OPTIONS);
    try {
      await client.connect({ url: s.url });
      await expect(client.callTool("t")).rejects.toMatchObject({
        code: "connection_lost",
        message: "request tools/call (id 2) got no answer: the server closed its stream before answering (it sent no event id to resume from); it may be sent again",
      });
      expect(s.gets).toEqual([]);
    } finally {
      await client.close();
      s.stop();
    }
  });

  test("a resumption the server refuses fails the call with its status", async () => {
    const s = scripted(() => "id: e1\nretry: 10\ndata: \n\n", () => Response.json({ jsonrpc: "2.0", id: null, error: { code: -32600, message: "Bad Request: unknown Last-Event-ID" } }, { status: 400 }));
    const client = createClient(OPTIONS);
    try {
      await client.connect({ url: s.url });
      await expect(client.callTool("t")).rejects.toMatchObject({ name: "McpHttpError", status: 400, code: -32600, message: "Bad Request: unknown Last-Event-ID" });
      expect(s.gets).toEqual(["e1"]);
    } finally {
      await client.close();
      s.stop();
    }
  });

  test("resumptions that bring nothing stop after maxReconnects", async () => {
    let n = 0;
    const s = scripted(() => "id: e0\nretry: 10\ndata: \n\n", () => new Response(`id: e${++n}\nretry: 10\ndata: \n\n`, { headers: { "content-type": "text/event-stream" } }));
    const client = createClient({ ...OPTIONS, maxReconnects: 2 });
    try {
      await client.connect({ url: s.url });
      await expect(client.callTool("t")).rejects.toMatchObject({
        code: "channel_closed",
        message: "the server closed the stream of request tools/call (id 2) before answering and 2 resumption(s) brought no answer",
      });
      // Each resumption names the newest id seen.
      expect(s.gets).toEqual(["e0", "e1"]);
    } finally {
      await client.close();
      s.stop();
    }
  });

  test("a standalone stream that keeps failing (5xx) is given up after maxReconnects, and reported", async () => {
    const s = scripted(() => "", () => new Response(null, { status: 500 }), () => new Response("overloaded", { status: 503 }));
    const client = createClient({ ...OPTIONS, maxReconnects: 2, defaultRetryMs: 10 });
    const errors: string[] = [];
    client.onError((e) => errors.push(e.message));
    try {
      await client.connect({ url: s.url });
      await waitFor(() => errors.length === 1, "the report");
      expect(errors).toEqual([`the standalone stream of ${s.url} failed 3 times in a row; server-initiated messages now arrive only on request streams`]);
      expect(s.standaloneGets).toBe(3);
    } finally {
      await client.close();
      s.stop();
    }
  });
});
