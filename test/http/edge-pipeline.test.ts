/**
 * The HTTP edge's pipeline on every route (docs/architecture.md "The HTTP edge"): the
 * listener's authenticator runs on every MCP route (Streamable HTTP POST, GET and DELETE,
 * /sse, /messages, the /ws upgrade) after the Host/Origin check and before media types and
 * bodies; its principal may come later (a promise); its own answer (401) goes out untouched.
 * /healthz and /metrics are not authenticated, but are behind the Host/Origin check too. An
 * unexpected throw is a 500 whose correlation id names the log line holding the cause.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Authenticator } from "../../src/auth/authenticator.ts";
import { principal } from "../../src/auth/principal.ts";
import { createServer } from "../../src/create-server.ts";
import { listenHttp } from "../../src/serve/http/listener.ts";
import { createLogger } from "../../src/util/log.ts";
import { hostPolicy } from "../../src/transport/http-guards.ts";
import { ACCEPT_BOTH, errorOf, initializeRequest, jsonBody, LATEST, startHttp, type Harness } from "../fixtures/http-harness.ts";
import { RawHttp, StreamText, waitUntil } from "../fixtures/limits-wire.ts";
import { mpost, mreq } from "../fixtures/modern-client.ts";

/** Requests the authenticator was asked about, as "METHOD /path". */
const asked: string[] = [];

/** Accepts `Bearer good` at once and `Bearer later` after a turn; answers 401 otherwise (`Bearer later-bad` after a turn). */
const authenticate: Authenticator = (request) => {
  asked.push(`${request.method} ${new URL(request.url).pathname}`);
  const token = request.headers.get("authorization");
  if (token === "Bearer good") return principal("alice", ["mcp"]);
  if (token === "Bearer later") return Bun.sleep(5).then(() => principal("bob"));
  if (token === "Bearer later-bad") return Bun.sleep(5).then(unauthorized);
  return unauthorized();
};

const unauthorized = () =>
  new Response(JSON.stringify({ error: "invalid_token" }), { status: 401, headers: { "content-type": "application/json", "www-authenticate": 'Bearer error="invalid_token"' } });

const GOOD = { authorization: "Bearer good" };
const BAD = { authorization: "Bearer bad" };
/** A foreign Host, and a foreign Origin: DNS rebinding. */
const FOREIGN: Record<string, string>[] = [{ host: "evil.example.com" }, { origin: "http://evil.example.com" }];

let h: Harness;
beforeAll(() => {
  h = startHttp({
    listen: { authenticate },
    // Answers with whom the handler sees asking: the principal the edge authenticated.
    setup: (server) => server.tool("whoami", { description: "the caller's subject" }, (_args, ctx) => `${ctx.auth.subject} ${ctx.auth.scopes.join(",")}`),
  });
});
afterAll(() => h.stop());

const url = (path: string) => new URL(path, h.url);
const initialize = (headers: Record<string, string>) =>
  fetch(h.url, { method: "POST", headers: { "content-type": "application/json", accept: ACCEPT_BOTH, ...headers }, body: JSON.stringify(initializeRequest()) });

/** A WebSocket upgrade of /ws by hand, with `extra` header lines; the connection and its response. */
async function upgrade(extra: Record<string, string>) {
  const conn = await RawHttp.open(Number(h.url.port));
  const lines = ["GET /ws HTTP/1.1", `Host: ${h.authority}`, "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13", "Sec-WebSocket-Protocol: mcp"];
  for (const [k, v] of Object.entries(extra)) lines.push(`${k}: ${v}`);
  conn.write(`${lines.join("\r\n")}\r\n\r\n`);
  return { conn, response: await conn.response() };
}

/** The value of a gauge in /metrics. */
async function gauge(name: string): Promise<number> {
  const text = await (await fetch(url("/metrics"))).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`${name} is not in /metrics`);
  return Number(line.split(" ")[1]);
}

describe("authenticate, on every MCP route", () => {
  test("without a valid token every route answers the authenticator's 401, untouched, and does nothing else", async () => {
    const before = asked.length;
    const sessionsBefore = h.listener.streamable.sessionCount + h.listener.legacy.sessionCount;
    const refused = [
      await initialize(BAD),
      await fetch(h.url, { method: "GET", headers: { accept: "text/event-stream", "mcp-session-id": "x", ...BAD } }),
      await fetch(h.url, { method: "DELETE", headers: { "mcp-session-id": "x", ...BAD } }),
      await fetch(url("/sse"), { headers: { accept: "text/event-stream", ...BAD } }),
      await fetch(url("/messages?sessionId=x"), { method: "POST", headers: { "content-type": "application/json", ...BAD }, body: "{}" }),
    ];
    expect.assertions(refused.length * 2 + 4);
    for (const r of refused) expect([r.status, r.headers.get("www-authenticate")]).toEqual([401, 'Bearer error="invalid_token"']);
    for (const r of refused) expect(await r.json()).toEqual({ error: "invalid_token" });
    const ws = await upgrade(BAD);
    expect([ws.response.status, ws.response.headers["www-authenticate"]]).toEqual([401, 'Bearer error="invalid_token"']);
    ws.conn.close();
    expect(asked.slice(before)).toEqual(["POST /mcp", "GET /mcp", "DELETE /mcp", "GET /sse", "POST /messages", "GET /ws"]);
    expect(h.listener.streamable.sessionCount + h.listener.legacy.sessionCount).toBe(sessionsBefore);
    expect(await gauge("erlmcp_connections_open")).toBe(0);
  });

  test("with a valid token every route is served", async () => {
    const before = asked.length;
    const init = await initialize(GOOD);
    const sid = init.headers.get("mcp-session-id")!;
    expect([init.status, (await jsonBody(init)).result.protocolVersion]).toEqual([200, LATEST]);
    const common = { "mcp-session-id": sid, "mcp-protocol-version": LATEST, ...GOOD };

    const stream = await fetch(h.url, { method: "GET", headers: { accept: "text/event-stream", ...common } });
    expect([stream.status, stream.headers.get("content-type")]).toEqual([200, "text/event-stream"]);
    await stream.body!.cancel();
    expect((await fetch(h.url, { method: "DELETE", headers: common })).status).toBe(204);

    const sse = await fetch(url("/sse"), { headers: { accept: "text/event-stream", ...GOOD } });
    expect(sse.status).toBe(200);
    const endpoint = (await new StreamText(sse).match(/data: (\/messages\?sessionId=[0-9a-f-]+)/))[1]!;
    const posted = await fetch(url(endpoint), { method: "POST", headers: { "content-type": "application/json", ...GOOD }, body: JSON.stringify(initializeRequest()) });
    expect(posted.status).toBe(202);
    await sse.body?.cancel().catch(() => {});

    const ws = await upgrade(GOOD);
    expect(ws.response.status).toBe(101);
    ws.conn.close();
    expect(asked.slice(before)).toEqual(["POST /mcp", "GET /mcp", "DELETE /mcp", "GET /sse", "POST /messages", "GET /ws"]);
  });

  test("a verdict that comes later (a promise) holds the request until it is known, then serves or refuses it", async () => {
    await waitUntil(async () => (await gauge("erlmcp_connections_open")) === 0, "earlier WebSockets to close");
    const later = await initialize({ authorization: "Bearer later" });
    expect(later.status).toBe(200);
    expect((await jsonBody(later)).result.protocolVersion).toBe(LATEST);
    const refused = await initialize({ authorization: "Bearer later-bad" });
    expect([refused.status, await refused.json()]).toEqual([401, { error: "invalid_token" }]);
    // Both took a connection slot after waiting, and both gave it back with their answers.
    expect(await gauge("erlmcp_connections_open")).toBe(0);
    const ws = await upgrade({ authorization: "Bearer later" });
    expect(ws.response.status).toBe(101);
    // The upgraded socket keeps its slot for its life.
    expect(await gauge("erlmcp_connections_open")).toBe(1);
    ws.conn.close();
  });
});

describe("the principal reaches the handler (ctx.auth) on every route", () => {
  const WHOAMI = { jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "whoami", arguments: {} } };
  const textOf = (m: { result: { content: { text: string }[] } }) => m.result.content[0]!.text;

  test("a 2025 session on Streamable HTTP, and a 2026-07-28 request", async () => {
    const init = await initialize(GOOD);
    const sid = init.headers.get("mcp-session-id")!;
    await init.text();
    const headers = { "content-type": "application/json", accept: ACCEPT_BOTH, "mcp-session-id": sid, "mcp-protocol-version": LATEST, ...GOOD };
    await fetch(h.url, { method: "POST", headers, body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }) });
    const session = await fetch(h.url, { method: "POST", headers, body: JSON.stringify(WHOAMI) });
    expect(textOf(await jsonBody(session))).toBe("alice mcp");
    const stateless = await mpost(h.url, mreq("m-1", "tools/call", { name: "whoami", arguments: {} }), { headers: { authorization: "Bearer later" } });
    expect([stateless.status, textOf(await jsonBody(stateless))]).toEqual([200, "bob "]);
  });

  test("a 2024-11-05 HTTP+SSE session", async () => {
    const sse = await fetch(url("/sse"), { headers: { accept: "text/event-stream", ...GOOD } });
    const text = new StreamText(sse);
    const endpoint = (await text.match(/data: (\/messages\?sessionId=[0-9a-f-]+)/))[1]!;
    const post = (body: unknown) => fetch(url(endpoint), { method: "POST", headers: { "content-type": "application/json", ...GOOD }, body: JSON.stringify(body) });
    expect((await post(initializeRequest())).status).toBe(202);
    expect((await post({ jsonrpc: "2.0", method: "notifications/initialized" })).status).toBe(202);
    expect((await post(WHOAMI)).status).toBe(202);
    expect((await text.match(/"text":"(alice[^"]*)"/))[1]).toBe("alice mcp");
    await sse.body?.cancel().catch(() => {});
  });

  test("a WebSocket, for its life", async () => {
    const ws = new WebSocket(`ws://${h.authority}/ws`, { headers: GOOD, protocols: ["mcp"] });
    const answers: { id: number; result: { content: { text: string }[] } }[] = [];
    ws.onmessage = (e) => void answers.push(JSON.parse(String(e.data)));
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error("the upgrade was refused"));
    });
    ws.send(JSON.stringify(initializeRequest()));
    ws.send(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }));
    ws.send(JSON.stringify(WHOAMI));
    await waitUntil(() => answers.some((m) => m.id === 7), "the WebSocket's answer to whoami");
    expect(textOf(answers.find((m) => m.id === 7)!)).toBe("alice mcp");
    ws.close();
  });
});

describe("the order of the phases", () => {
  test("Host/Origin comes first: a foreign Host gets 403 and the authenticator is never asked", async () => {
    const before = asked.length;
    for (const headers of FOREIGN) {
      const e = await errorOf(await initialize({ ...headers, ...BAD }));
      expect({ headers, status: e.status, code: e.code, forbidden: e.message.startsWith("Forbidden") }).toEqual({ headers, status: 403, code: -32000, forbidden: true });
    }
    expect(asked.length).toBe(before);
  });

  test("media types and the body come after: an unauthenticated request with a bad Content-Type gets 401, an authenticated one 415", async () => {
    const wrongType = (headers: Record<string, string>) => fetch(h.url, { method: "POST", headers: { "content-type": "text/plain", accept: ACCEPT_BOTH, ...headers }, body: "not json" });
    expect((await wrongType(BAD)).status).toBe(401);
    expect(await errorOf(await wrongType(GOOD))).toEqual({ status: 415, id: null, code: -32000, message: "Unsupported Media Type: Content-Type must be application/json" });
  });
});

describe("the HTTP API beside MCP", () => {
  test("/healthz and /metrics need no token but are behind the Host/Origin check", async () => {
    const before = asked.length;
    const health = await fetch(url("/healthz"));
    expect([health.status, ((await health.json()) as { status: string }).status]).toEqual([200, "ok"]);
    const metrics = await fetch(url("/metrics"));
    expect([metrics.status, (await metrics.text()).includes("erlmcp_http_sessions")]).toEqual([200, true]);
    for (const path of ["/healthz", "/metrics"])
      for (const headers of FOREIGN) {
        const e = await errorOf(await fetch(url(path), { headers }));
        expect({ path, headers, status: e.status, code: e.code, forbidden: e.message.startsWith("Forbidden") }).toEqual({ path, headers, status: 403, code: -32000, forbidden: true });
      }
    expect(asked.length).toBe(before);
  });
});

describe("an unexpected throw", () => {
  test("is answered 500 with -32603 and a correlation id, and the log names the cause under the same id", async () => {
    const lines: string[] = [];
    const server = createServer({ name: "throws", version: "1", logger: createLogger({ level: "error", write: (line) => void lines.push(line) }) });
    const listener = listenHttp(server, {
      authenticate: () => {
        throw new Error("the token store is down");
      },
    });
    try {
      const r = await fetch(listener.url, { method: "POST", headers: { "content-type": "application/json", accept: ACCEPT_BOTH }, body: JSON.stringify(initializeRequest()) });
      const body = (await jsonBody(r)) as { id: unknown; error: { code: number; message: string; data: { correlationId: string } } };
      expect([r.status, body.id, body.error.code, body.error.message]).toEqual([500, null, -32603, "Internal error"]);
      expect(JSON.stringify(body)).not.toContain("token store");
      const logged = lines.map((l) => JSON.parse(l) as { msg: string; correlationId: string; error: string });
      expect(logged).toHaveLength(1);
      expect(logged[0]!.correlationId).toBe(body.error.data.correlationId);
      expect(logged[0]!.error).toContain("the token store is down");
    } finally {
      await listener.stop();
    }
  });
});

describe("the HTTP API under a short Host", () => {
  test.each(["a", "ab", "abc", "ab:9"])("with http.allowedHosts [\"*\"], /healthz answers for Host %p (Elysia's path search skips 11 characters)", async (host) => {
    const h = startHttp({ everything: false, listen: { hosts: hostPolicy(["*"]) } });
    try {
      const r = await fetch(new URL("/healthz", h.url), { headers: { host } });
      expect([r.status, ((await r.json()) as { status: string }).status]).toEqual([200, "ok"]);
    } finally {
      await h.stop();
    }
  });
});
