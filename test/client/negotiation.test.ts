/**
 * Era negotiation (2026-07-28 §3 client-side detection, 2025-11-25 §2.3 and §3.2.9): the
 * server/discover probe and each way it can fall back to initialize, forced eras and
 * versions, version negotiation, and the HTTP+SSE fallback of a refused initialize POST.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient } from "../../src/client/client.ts";
import type { ClientOptions } from "../../src/client/options.ts";
import { LegacySseEndpoint } from "../../src/serve/http/legacy-sse.ts";
import { Edge, EdgeRequest } from "../../src/serve/http/edge-request.ts";
import { hostPolicy } from "../../src/transport/http-guards.ts";
import { SDK_SERVER_INFO, startSdkHttp, type SdkHttp } from "../fixtures/client-sdk-server.ts";
import { startNetworkServer, type NetworkServer } from "../fixtures/network-server.ts";
import { DISCOVER, result, SDK_STDIO, startFake, startProxy, type Msg } from "./helpers.ts";

const FAKE_STDIO = fileURLToPath(new URL("../fixtures/client-fake-stdio.ts", import.meta.url));
const OPTIONS: ClientOptions = { name: "negotiation-client", version: "1.0.0" };

let net: NetworkServer;
let sdk: SdkHttp;
beforeAll(() => {
  net = startNetworkServer({ http: [{ responseMode: "auto" }] });
  sdk = startSdkHttp();
});
afterAll(async () => {
  await net.stop();
  await sdk.stop();
});

/** Connects, runs `fn` with the client, always closes. */
async function using<T>(options: Partial<ClientOptions>, target: Parameters<ReturnType<typeof createClient>["connect"]>[0], fn: (c: ReturnType<typeof createClient>) => Promise<T>): Promise<T> {
  const client = createClient({ ...OPTIONS, ...options });
  try {
    await client.connect(target);
    return await fn(client);
  } finally {
    await client.close();
  }
}

describe("the server/discover probe", () => {
  test("our server answers it: 2026-07-28, no initialize, no session, modern headers on every POST", async () => {
    const proxy = startProxy(net.httpFor("auto").url);
    try {
      await using({}, { url: proxy.url }, async (c) => {
        expect(c.server).toMatchObject({ era: "stateless", protocolVersion: "2026-07-28", transport: "streamable-http" });
        await c.listTools();
      });
      expect(proxy.seen.map((s) => `${s.method} ${s.body?.method}`)).toEqual(["POST server/discover", "POST tools/list"]);
      for (const s of proxy.seen) {
        expect(s.headers["mcp-protocol-version"]).toBe("2026-07-28");
        expect(s.headers["mcp-method"]).toBe(s.body.method);
        expect(s.headers["mcp-session-id"]).toBeUndefined();
        expect(s.headers.accept).toBe("application/json, text/event-stream");
        expect(s.body.params._meta).toEqual({
          "io.modelcontextprotocol/protocolVersion": "2026-07-28",
          "io.modelcontextprotocol/clientCapabilities": {},
          "io.modelcontextprotocol/clientInfo": { name: "negotiation-client", version: "1.0.0" },
        });
      }
    } finally {
      proxy.stop();
    }
  });

  test("an SDK v1 server over HTTP refuses it (400): initialize follows, then the session's headers", async () => {
    const proxy = startProxy(sdk.url);
    try {
      await using({ handlers: { elicitation: () => ({ action: "accept", content: {} }) } }, { url: proxy.url }, async (c) => {
        expect(c.server).toMatchObject({ era: "session", protocolVersion: "2025-11-25", serverInfo: SDK_SERVER_INFO });
        expect((await c.callTool("add", { a: 2, b: 3 })).content).toEqual([{ type: "text", text: "sum=5" }]);
        // SEP-1034: the accepted elicitation left "name" out; its schema default fills it.
        expect((await c.callTool("ask_name")).content).toEqual([{ type: "text", text: "action=accept name=Anonymous" }]);
      });
      const posts = proxy.seen.filter((s) => s.method === "POST");
      expect(posts.slice(0, 3).map((s) => s.body.method)).toEqual(["server/discover", "initialize", "notifications/initialized"]);
      expect(posts[1]!.headers["mcp-session-id"]).toBeUndefined();
      expect(posts[1]!.body.params).toMatchObject({ protocolVersion: "2025-11-25", clientInfo: { name: "negotiation-client", version: "1.0.0" } });
      const sid = sdk.sessions.at(-1);
      for (const s of proxy.seen.slice(2)) {
        expect(s.headers["mcp-session-id"]).toBe(sid!);
        expect(s.headers["mcp-protocol-version"]).toBe("2025-11-25");
      }
      // The standalone stream was opened, and the session ended with DELETE.
      expect(proxy.seen.some((s) => s.method === "GET" && s.headers.accept === "text/event-stream")).toBe(true);
      expect(proxy.seen.at(-1)!.method).toBe("DELETE");
    } finally {
      proxy.stop();
    }
  });

  test("an SDK v1 server over stdio answers -32601: initialize on the same process", async () => {
    await using({}, { command: process.execPath, args: [SDK_STDIO] }, async (c) => {
      expect(c.server).toMatchObject({ era: "session", protocolVersion: "2025-11-25", serverInfo: SDK_SERVER_INFO, transport: "stdio" });
      expect((await c.readResource("sdk://greeting")).contents).toEqual([{ uri: "sdk://greeting", text: "hello from the SDK" }]);
    });
  });

  test("no answer within discoverTimeoutMs: initialize follows", async () => {
    const started = performance.now();
    await using({ discoverTimeoutMs: 300 }, { command: process.execPath, args: [FAKE_STDIO], env: { FAKE_MODE: "silent-discover" } }, async (c) => {
      expect(c.server).toMatchObject({ era: "session", protocolVersion: "2025-11-25", serverInfo: { name: "fake-stdio", version: "0.0.1" } });
    });
    expect(performance.now() - started).toBeGreaterThanOrEqual(300);
  });

  test("a server that exits on the probe is started again and initialized", async () => {
    const dir = mkdtempSync(join(tmpdir(), "client-probe-"));
    const starts = join(dir, "starts");
    try {
      await using({}, { command: process.execPath, args: [FAKE_STDIO], env: { FAKE_MODE: "exit-on-probe", FAKE_STARTS_FILE: starts } }, async (c) => {
        expect(c.server.era).toBe("session");
        expect((await c.listTools()).tools).toEqual([]);
      });
      expect(readFileSync(starts, "utf8")).toBe("start\nstart\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("-32022 naming our version again: the probe is retried, and the era is modern", async () => {
    let rejected = 0;
    const fake = startFake((m) => {
      if (m.method === "server/discover" && rejected++ === 0)
        return Response.json({ jsonrpc: "2.0", id: m.id, error: { code: -32022, message: "Unsupported protocol version", data: { supported: ["2026-07-28"], requested: "x" } } }, { status: 400 });
      return result(m, m.method === "server/discover" ? DISCOVER : { resultType: "complete", tools: [] });
    });
    try {
      await using({}, { url: fake.url }, async (c) => expect(c.server).toMatchObject({ era: "stateless", protocolVersion: "2026-07-28" }));
      expect(fake.seen.map((s) => s.body?.method)).toEqual(["server/discover", "server/discover"]);
    } finally {
      fake.stop();
    }
  });

  test.each([
    ["-32022 naming only legacy versions", (m: Msg) => Response.json({ jsonrpc: "2.0", id: m.id, error: { code: -32022, message: "no", data: { supported: ["2025-11-25"] } } }, { status: 400 })],
    ["a result that is not a DiscoverResult", (m: Msg) => result(m, {})],
    ["an HTTP 500 with a text body", () => new Response("boom", { status: 500 })],
    ["malformed JSON", () => new Response("{nope", { headers: { "content-type": "application/json" } })],
    ["-32601 (any other error code)", (m: Msg) => Response.json({ jsonrpc: "2.0", id: m.id, error: { code: -32601, message: "Method not found" } })],
  ])("%s: falls back to initialize", async (_name, discover) => {
    const fake = startFake((m) => {
      if (m.method === "server/discover") return discover(m);
      if (m.method === "initialize") return result(m, { protocolVersion: "2025-06-18", capabilities: {}, serverInfo: { name: "fake", version: "1" } });
      return new Response(null, { status: 202 });
    });
    try {
      await using({}, { url: fake.url }, async (c) => expect(c.server).toMatchObject({ era: "session", protocolVersion: "2025-06-18" }));
      expect(fake.seen.filter((s) => s.method === "POST").map((s) => s.body?.method)).toEqual(["server/discover", "initialize", "notifications/initialized"]);
    } finally {
      fake.stop();
    }
  });
});

describe("forcing an era or a version", () => {
  test("era legacy sends no probe, even to a modern server", async () => {
    const proxy = startProxy(net.httpFor("auto").url);
    try {
      await using({ era: "session" }, { url: proxy.url }, async (c) => expect(c.server.era).toBe("session"));
      expect(proxy.seen.filter((s) => s.method === "POST")[0]!.body.method).toBe("initialize");
    } finally {
      proxy.stop();
    }
  });

  test("era modern against a legacy-only server fails, naming why", async () => {
    const client = createClient({ ...OPTIONS, era: "stateless" });
    await expect(client.connect({ command: process.execPath, args: [SDK_STDIO] })).rejects.toMatchObject({
      code: "version_negotiation_failed",
      message: "the server does not speak 2026-07-28: server/discover failed: Method not found",
    });
  });

  test("a forced legacy version is offered, and must be answered exactly", async () => {
    await using({ protocolVersion: "2025-06-18" }, { url: net.httpFor("auto").url }, async (c) => expect(c.server).toMatchObject({ era: "session", protocolVersion: "2025-06-18" }));
    const client = createClient({ ...OPTIONS, protocolVersion: "2025-06-18" });
    await expect(client.connect({ command: process.execPath, args: [FAKE_STDIO], env: { FAKE_VERSION: "2025-03-26" } })).rejects.toMatchObject({
      code: "version_negotiation_failed",
      message: 'the server answered initialize with protocol version "2025-03-26"; this client was told to speak 2025-06-18',
    });
  });

  test("any version of ours the server answers is accepted; one we do not speak is refused", async () => {
    await using({}, { command: process.execPath, args: [FAKE_STDIO], env: { FAKE_VERSION: "2024-11-05" } }, async (c) => expect(c.server.protocolVersion).toBe("2024-11-05"));
    const client = createClient(OPTIONS);
    await expect(client.connect({ command: process.execPath, args: [FAKE_STDIO], env: { FAKE_VERSION: "1999-01-01" } })).rejects.toMatchObject({
      code: "version_negotiation_failed",
      message: expect.stringContaining('protocol version "1999-01-01"'),
    });
  });

  test("a version this client does not know is a usage error", async () => {
    await expect(createClient({ ...OPTIONS, protocolVersion: "1.0" }).connect({ url: net.httpFor("auto").url })).rejects.toMatchObject({ code: "usage_invalid" });
  });
});

describe("the HTTP+SSE fallback (2025-11-25 §3.2.9)", () => {
  test("POST refused with 404 at an /sse URL: GET there finds the endpoint event", async () => {
    await using({}, { url: new URL("/sse", net.httpFor("auto").url) }, async (c) => {
      expect(c.server).toMatchObject({ era: "session", protocolVersion: "2025-11-25", transport: "legacy-sse" });
      expect((await c.callTool("test_simple_text")).content).toEqual([{ type: "text", text: "This is a simple text response for testing." }]);
    });
  });

  test("a 2024-11-05 server mounted at /mcp (POST 405): GET /mcp is its event stream", async () => {
    const legacy = new LegacySseEndpoint(net.server, { messagesPath: "/messages", maxSessions: 10, keepaliveMs: 60_000 });
    const edge = new Edge(net.server, { hosts: hostPolicy(), bodyTimeoutMs: 5000 });
    const seen: string[] = [];
    const bun = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      idleTimeout: 0,
      async fetch(req) {
        const path = new URL(req.url).pathname;
        seen.push(`${req.method} ${path}`);
        const x = new EdgeRequest(req, edge);
        if (path === "/mcp" && req.method === "GET") return legacy.open(x);
        if (path === "/messages" && req.method === "POST") {
          x.body = await req.text();
          return legacy.post(x);
        }
        return new Response("Method Not Allowed", { status: 405 });
      },
    });
    try {
      await using({}, { url: `http://127.0.0.1:${bun.port}/mcp` }, async (c) => {
        expect(c.server).toMatchObject({ era: "session", transport: "legacy-sse" });
        expect((await c.listAllPrompts()).map((p) => p.name)).toContain("test_simple_prompt");
      });
      expect(seen.slice(0, 4)).toEqual(["POST /mcp", "POST /mcp", "GET /mcp", "POST /messages"]);
    } finally {
      legacy.close();
      await bun.stop(true);
    }
  });

  test("when the fallback fails too, the error names both failures", async () => {
    const fake = startFake(() => new Response("gone", { status: 404 }));
    try {
      await expect(createClient(OPTIONS).connect({ url: fake.url })).rejects.toMatchObject({
        code: "channel_closed",
        message: expect.stringMatching(/^initialize over Streamable HTTP got HTTP 404 .*and the HTTP\+SSE fallback failed too: GET .* HTTP 405/),
      });
    } finally {
      fake.stop();
    }
  });

  test("a 2024-11-05 URL can be named directly (transport: sse), without any POST to it", async () => {
    const proxy = startProxy(new URL("/sse", net.httpFor("auto").url));
    try {
      await using({}, { url: proxy.url, transport: "sse" }, async (c) => expect(c.server.transport).toBe("legacy-sse"));
      expect(proxy.seen[0]).toMatchObject({ method: "GET", path: "/sse" });
    } finally {
      proxy.stop();
    }
  });
});
