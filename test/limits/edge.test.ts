/**
 * Overload answered precisely at the edge while the work already admitted keeps going: every
 * self-protection limit of [limits] crossed over real sockets (Streamable HTTP, WebSocket,
 * TCP, stdio, legacy SSE) against in-process servers with small limits, each refusal checked
 * to the status, header, code, message and data, and each followed by proof that the
 * connections and sessions already open still work.
 *
 * Covered elsewhere, not repeated here: limits.maxMessageBytes and limits.maxJsonDepth
 * (test/jsonrpc/decode.test.ts, test/session/bad-input.test.ts, test/http/hostile.test.ts,
 * test/contract/ws-tcp-hostile.test.ts), http.maxSessions (test/http/hostile.test.ts), the
 * send-queue bounds http.maxQueueBytes / tcp.maxQueueBytes (test/contract/ws-tcp-hostile.test.ts,
 * test/contract/sse-slow-consumer.test.ts).
 */
import { afterEach, describe, expect, test } from "bun:test";
import { fileURLToPath } from "node:url";
import { HttpClient, type Harness } from "../fixtures/http-harness.ts";
import { headersFor, mpost, mreq } from "../fixtures/modern-client.ts";
import { withLimitsServer, type LimitsServer } from "../fixtures/limits-server.ts";
import { INITIALIZE, LineClient, postRequest, RawHttp, rawUpgrade, StreamText, WsClient, waitUntil, type Msg, type RawResponse } from "../fixtures/limits-wire.ts";
import { killAll, StdioClient } from "../helpers/stdio-client.ts";

const LIMITS_STDIO = fileURLToPath(new URL("../fixtures/limits-stdio.ts", import.meta.url));

afterEach(() => killAll());

/** The harness view of a limits server, for the Streamable HTTP session client. */
const harnessOf = (s: LimitsServer): Harness => ({ server: s.server, listener: s.http, url: s.mcpUrl, authority: s.mcpUrl.host, stop: s.stop });

/** A -32000 refusal as it goes on the wire. */
const busy = (limit: string, message: string, retryAfterMs: number) => ({ code: -32000, message, data: { limit, retryAfterMs } });
const MAX_CONNECTIONS = busy("limits.maxConnections", "Server busy: limits.maxConnections reached", 1000);
const perIp = (ip: string) => busy("limits.maxConnectionsPerIp", `Server busy: limits.maxConnectionsPerIp (1) reached for ${ip}`, 1000);
const TIMEOUT = { code: -32000, message: "Request timed out: still running after limits.requestTimeoutMs (500 ms)", data: { limit: "limits.requestTimeoutMs" } };
const text = (t: string) => ({ content: [{ type: "text", text: t }] });

/** An HTTP answer as one comparable object (a body that is not JSON, such as a stream, is dropped unread). */
async function answerOf(r: Response): Promise<{ status: number; retryAfter: string | null; type: string | null; body: Msg }> {
  const type = r.headers.get("content-type");
  const body = type === "application/json" ? ((await r.json()) as Msg) : (await r.body?.cancel(), { unread: type });
  return { status: r.status, retryAfter: r.headers.get("retry-after"), type, body };
}
const rawAnswerOf = (r: RawResponse) => ({ status: r.status, retryAfter: r.headers["retry-after"] ?? null, type: r.headers["content-type"] ?? null, body: JSON.parse(r.body) as Msg });

/** A TCP connection that gets nothing but one JSON-RPC error line, then the close. */
async function refusedTcp(port: number, localAddress?: string): Promise<Msg> {
  const c = await LineClient.connect(port, localAddress);
  expect(await c.waitClosed(3000)).toBe(true);
  expect(c.lines).toHaveLength(1);
  return JSON.parse(c.lines[0]!);
}

/** A TCP session once a slot is free: refused attempts (one error, then the close) are retried. */
async function tcpWhenFree(port: number, timeoutMs = 5000): Promise<LineClient> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = await LineClient.connect(port);
    c.send(INITIALIZE());
    await waitUntil(() => c.messages.length > 0 || c.closedAt !== null, "an answer or a close");
    if (c.messages[0]?.id === "init" && c.messages[0].result) {
      c.send({ jsonrpc: "2.0", method: "notifications/initialized" });
      return c;
    }
    c.close();
    if (Date.now() > deadline) throw new Error(`no TCP slot freed within ${timeoutMs} ms: ${c.text}`);
    await Bun.sleep(25);
  }
}

/** A 2026-07-28 tools/call body. */
const modernCall = (id: string, name: string, args: Msg = {}) => mreq(id, "tools/call", { name, arguments: args });

/** The result of a 2025 HTTP session's request answered with 200; throws on any other status. */
async function ok(c: HttpClient, method: string, params?: Msg): Promise<Msg> {
  const { response } = await c.request(method, params);
  if (response.status !== 200) throw new Error(`${method}: HTTP ${response.status} ${await response.text()}`);
  return ((await response.json()) as Msg).result;
}

describe("limits.maxConnections", () => {
  const LIMITS = { limits: { maxConnections: 2 } };

  test("WebSocket upgrades past the bound get 503 + Retry-After naming it; open sockets keep working; a freed slot is reused", () =>
    withLimitsServer(LIMITS, async (s) => {
      const a = await WsClient.open(s.wsUrl);
      const b = await WsClient.open(s.wsUrl);
      await a.initialize();
      await b.initialize();
      for (let i = 0; i < 3; i++) {
        const { conn, response } = await rawUpgrade(s.httpPort);
        expect(rawAnswerOf(response)).toEqual({ status: 503, retryAfter: "1", type: "application/json", body: { jsonrpc: "2.0", id: null, error: MAX_CONNECTIONS } });
        conn.close();
      }
      // The platform client sees the refused upgrade as a failed open.
      await expect(WsClient.open(s.wsUrl)).rejects.toThrow("was refused");
      expect((await a.call("quick")).result).toEqual(text("quick"));
      expect((await b.call("quick")).result).toEqual(text("quick"));

      a.close();
      const c = await WsClient.openWhenFree(s.wsUrl);
      await c.initialize();
      expect((await c.call("quick")).result).toEqual(text("quick"));
      expect((await b.call("other")).result).toEqual(text("other"));
      expect(b.closedAt).toBeNull();
      b.close();
      c.close();
    }));

  test("TCP connections past the bound get exactly one JSON-RPC error line, then the close; open ones keep working; a freed slot is reused", () =>
    withLimitsServer(LIMITS, async (s) => {
      const a = await LineClient.connect(s.tcp.port);
      const b = await LineClient.connect(s.tcp.port);
      await a.initialize();
      await b.initialize();
      for (let i = 0; i < 3; i++) expect(await refusedTcp(s.tcp.port)).toEqual({ jsonrpc: "2.0", id: null, error: MAX_CONNECTIONS });
      expect((await a.call("quick")).result).toEqual(text("quick"));
      expect((await b.call("quick")).result).toEqual(text("quick"));

      a.close();
      const c = await tcpWhenFree(s.tcp.port);
      expect((await c.call("quick")).result).toEqual(text("quick"));
      expect((await b.call("other")).result).toEqual(text("other"));
      expect(b.closedAt).toBeNull();
      b.close();
      c.close();
    }));

  test("HTTP requests past the bound (two slow ones in flight) get 503 + Retry-After; WebSocket and TCP share the bound; the slow ones still finish", () =>
    withLimitsServer(LIMITS, async (s) => {
      const client = await HttpClient.open(harnessOf(s));
      const slow1 = client.request("tools/call", { name: "gate", arguments: { tag: "g1" } });
      const slow2 = client.request("tools/call", { name: "gate", arguments: { tag: "g2" } });
      await s.gates.waitStarted("g1");
      await s.gates.waitStarted("g2");

      for (const method of ["tools/list", "ping"]) {
        const { response } = await client.request(method);
        expect(await answerOf(response)).toEqual({ status: 503, retryAfter: "1", type: "application/json", body: { jsonrpc: "2.0", id: null, error: MAX_CONNECTIONS } });
      }
      const upgrade = await rawUpgrade(s.httpPort);
      expect(upgrade.response.status).toBe(503);
      upgrade.conn.close();
      expect(await refusedTcp(s.tcp.port)).toEqual({ jsonrpc: "2.0", id: null, error: MAX_CONNECTIONS });

      s.gates.open("g1");
      s.gates.open("g2");
      for (const [slow, tag] of [[slow1, "g1"], [slow2, "g2"]] as const) {
        const { response, id } = await slow;
        expect(await answerOf(response)).toEqual({ status: 200, retryAfter: null, type: "application/json", body: { jsonrpc: "2.0", id, result: text(`gate ${tag} opened`) } });
      }
      expect(await ok(client, "tools/call", { name: "quick" })).toEqual(text("quick"));
      expect(s.gates.started).toEqual(["g1", "g2"]);
    }));

  test("the HTTP+SSE transport's GET /sse and POST /messages past the bound get 503; its open stream keeps working", () =>
    withLimitsServer(LIMITS, async (s) => {
      const opened = await fetch(new URL("/sse", s.mcpUrl), { headers: { accept: "text/event-stream" } });
      expect(opened.status).toBe(200);
      const stream = new StreamText(opened);
      const messages = new URL((await stream.match(/event: endpoint\ndata: (\S+)\n/))[1]!, s.mcpUrl);
      const postMessage = (body: unknown) => fetch(messages, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      const a = await LineClient.connect(s.tcp.port);
      const b = await LineClient.connect(s.tcp.port);
      await a.initialize();
      await b.initialize();

      const refusedOpen = await fetch(new URL("/sse", s.mcpUrl), { headers: { accept: "text/event-stream" } });
      expect(await answerOf(refusedOpen)).toEqual({ status: 503, retryAfter: "1", type: "application/json", body: { jsonrpc: "2.0", id: null, error: MAX_CONNECTIONS } });
      expect(await answerOf(await postMessage(INITIALIZE()))).toEqual({ status: 503, retryAfter: "1", type: "application/json", body: { jsonrpc: "2.0", id: null, error: MAX_CONNECTIONS } });

      a.close();
      let accepted: Response | undefined;
      await waitUntil(async () => (accepted = await postMessage(INITIALIZE())).status !== 503, "a freed slot for POST /messages");
      expect(accepted!.status).toBe(202);
      await stream.match(/"id":"init","result":\{"protocolVersion":"2025-11-25"/);
      await stream.cancel();
      b.close();
    }));
});

describe("limits.maxConnectionsPerIp (clients on 127.0.0.2 and 127.0.0.3 beside 127.0.0.1)", () => {
  const LIMITS = { limits: { maxConnectionsPerIp: 1 } };

  test("TCP: a second connection from one address gets one error line and the close; another address and the first connection are unaffected", () =>
    withLimitsServer(LIMITS, async (s) => {
      const a = await LineClient.connect(s.tcp.port, "127.0.0.2");
      await a.initialize();
      expect(await refusedTcp(s.tcp.port, "127.0.0.2")).toEqual({ jsonrpc: "2.0", id: null, error: perIp("127.0.0.2") });
      const b = await LineClient.connect(s.tcp.port, "127.0.0.1");
      await b.initialize();
      expect((await b.call("quick")).result).toEqual(text("quick"));
      expect((await a.call("quick")).result).toEqual(text("quick"));
      a.close();
      b.close();
    }));

  test("WebSocket: a second upgrade from one address gets 503 naming the address; another address opens and works", () =>
    withLimitsServer(LIMITS, async (s) => {
      const held = await rawUpgrade(s.httpPort, "127.0.0.3");
      expect(held.response.status).toBe(101);
      const refused = await rawUpgrade(s.httpPort, "127.0.0.3");
      expect(rawAnswerOf(refused.response)).toEqual({ status: 503, retryAfter: "1", type: "application/json", body: { jsonrpc: "2.0", id: null, error: perIp("127.0.0.3") } });
      refused.conn.close();
      const ws = await WsClient.open(s.wsUrl);
      await ws.initialize();
      expect((await ws.call("quick")).result).toEqual(text("quick"));
      expect(held.conn.isClosed).toBe(false);
      held.conn.close();
      ws.close();
    }));

  test("HTTP: while one request from 127.0.0.2 is in flight its next one gets 503; 127.0.0.1 is served; the slow one finishes", () =>
    withLimitsServer(LIMITS, async (s) => {
      const client = await HttpClient.open(harnessOf(s));
      const session = { "mcp-session-id": client.sid, "mcp-protocol-version": client.version };
      const slow = await RawHttp.open(s.httpPort, "127.0.0.2");
      slow.write(postRequest(s.httpPort, { jsonrpc: "2.0", id: "slow", method: "tools/call", params: { name: "gate", arguments: { tag: "p1" } } }, session));
      await s.gates.waitStarted("p1");

      const second = await RawHttp.open(s.httpPort, "127.0.0.2");
      second.write(postRequest(s.httpPort, { jsonrpc: "2.0", id: "second", method: "tools/list" }, session));
      expect(rawAnswerOf(await second.response())).toEqual({ status: 503, retryAfter: "1", type: "application/json", body: { jsonrpc: "2.0", id: null, error: perIp("127.0.0.2") } });
      expect(await ok(client, "tools/call", { name: "quick" })).toEqual(text("quick"));

      s.gates.open("p1");
      expect(rawAnswerOf(await slow.response())).toEqual({ status: 200, retryAfter: null, type: "application/json", body: { jsonrpc: "2.0", id: "slow", result: text("gate p1 opened") } });
    }));
});

describe("limits.principalRatePerSec / limits.principalBurst", () => {
  const LIMITS = { limits: { principalRatePerSec: 1, principalBurst: 3 } };
  const rateLimited = (wait: number) => busy("limits.principalRatePerSec", `Rate limited: too many requests; retry in ${wait} ms`, wait);
  /** The wait a refusal names, checked to be within one token's refill (1 s at 1/s). */
  const waitOf = (body: Msg): number => {
    const wait = body.error?.data?.retryAfterMs;
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(1000);
    return wait;
  };

  test("a 2025 HTTP session past its burst gets 429 + Retry-After and data.retryAfterMs; another session is unaffected; after Retry-After it is served again", () =>
    withLimitsServer(LIMITS, async (s) => {
      const h = harnessOf(s);
      const a = await HttpClient.open(h);
      const b = await HttpClient.open(h);
      for (let i = 0; i < 3; i++) expect((await ok(a, "tools/list")).tools).toHaveLength(3);
      const { response, id } = await a.request("tools/list");
      const answer = await answerOf(response);
      const wait = waitOf(answer.body);
      expect(answer).toEqual({ status: 429, retryAfter: "1", type: "application/json", body: { jsonrpc: "2.0", id, error: rateLimited(wait) } });
      for (let i = 0; i < 3; i++) expect((await ok(b, "tools/list")).tools).toHaveLength(3);

      await Bun.sleep(Number(answer.retryAfter) * 1000);
      expect((await ok(a, "tools/list")).tools).toHaveLength(3);
    }));

  test("over TCP the refusal is an in-band JSON-RPC error with data.retryAfterMs; the connection stays open; another session is unaffected", () =>
    withLimitsServer(LIMITS, async (s) => {
      const a = await LineClient.connect(s.tcp.port);
      const b = await LineClient.connect(s.tcp.port);
      await a.initialize();
      await b.initialize();
      for (let i = 0; i < 3; i++) expect((await a.request("tools/list")).result.tools).toHaveLength(3);
      const refused = await a.request("tools/list");
      expect(refused).toEqual({ jsonrpc: "2.0", id: refused.id, error: rateLimited(waitOf(refused)) });
      expect(a.closedAt).toBeNull();
      // Both sessions come from 127.0.0.1: each 2025 session is its own principal.
      for (let i = 0; i < 3; i++) expect((await b.request("tools/list")).result.tools).toHaveLength(3);

      await Bun.sleep(refused.error.data.retryAfterMs + 20);
      expect((await a.request("tools/list")).result.tools).toHaveLength(3);
      a.close();
      b.close();
    }));

  test("over stdio the refusal is an in-band JSON-RPC error with data.retryAfterMs, and the session goes on after the wait", async () => {
    const c = StdioClient.spawn(LIMITS_STDIO, { LIMITS_JSON: JSON.stringify(LIMITS.limits) });
    await c.initialize();
    for (let i = 0; i < 3; i++) expect((await c.result(c.request("tools/list"))).tools).toHaveLength(3);
    const id = c.request("tools/list");
    const refused = await c.response(id);
    const wait = waitOf(refused);
    expect(refused).toEqual({ jsonrpc: "2.0", id, error: rateLimited(wait) });
    await Bun.sleep(wait + 20);
    expect((await c.result(c.request("tools/list"))).tools).toHaveLength(3);
    await c.expectQuiet();
  });

  test("2026-07-28 HTTP requests are limited per client IP: 429 + Retry-After for 127.0.0.1, while 127.0.0.2 is served", () =>
    withLimitsServer(LIMITS, async (s) => {
      for (let i = 0; i < 3; i++) {
        const r = await mpost(s.mcpUrl, mreq(`m${i}`, "tools/list"));
        expect(r.status).toBe(200);
        expect(((await r.json()) as Msg).result.tools).toHaveLength(3);
      }
      const answer = await answerOf(await mpost(s.mcpUrl, mreq("m3", "tools/list")));
      const wait = waitOf(answer.body);
      expect(answer).toEqual({ status: 429, retryAfter: "1", type: "application/json", body: { jsonrpc: "2.0", id: "m3", error: rateLimited(wait) } });

      const body = mreq("other-ip", "tools/list");
      const other = await RawHttp.open(s.httpPort, "127.0.0.2");
      other.write(postRequest(s.httpPort, body, headersFor(body)));
      const served = rawAnswerOf(await other.response());
      expect([served.status, served.body.id, served.body.result?.tools?.length]).toEqual([200, "other-ip", 3]);

      await Bun.sleep(Number(answer.retryAfter) * 1000);
      const again = await mpost(s.mcpUrl, mreq("m4", "tools/list"));
      expect(again.status).toBe(200);
      expect(((await again.json()) as Msg).result.tools).toHaveLength(3);
    }));
});

describe("limits.toolRatePerSec / limits.toolBurst", () => {
  const LIMITS = { limits: { toolRatePerSec: 1, toolBurst: 2 } };
  const toolLimited = (wait: number) => busy("limits.toolRatePerSec", `Rate limited: tool quick is called too often; retry in ${wait} ms`, wait);

  test("a tool past its rate is refused for every session and transport (HTTP 429 + Retry-After, in-band on TCP); other tools keep working; after the wait it is served", () =>
    withLimitsServer(LIMITS, async (s) => {
      const h = harnessOf(s);
      const a = await HttpClient.open(h);
      const b = await HttpClient.open(h);
      const tcp = await LineClient.connect(s.tcp.port);
      await tcp.initialize();
      expect(await ok(a, "tools/call", { name: "quick" })).toEqual(text("quick"));
      expect(await ok(b, "tools/call", { name: "quick" })).toEqual(text("quick"));

      const { response, id } = await a.request("tools/call", { name: "quick" });
      const answer = await answerOf(response);
      const wait = answer.body.error?.data?.retryAfterMs;
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(1000);
      expect(answer).toEqual({ status: 429, retryAfter: "1", type: "application/json", body: { jsonrpc: "2.0", id, error: toolLimited(wait) } });
      // The bucket is the tool's, shared by every caller.
      const fromB = await answerOf((await b.request("tools/call", { name: "quick" })).response);
      expect([fromB.status, fromB.body.error?.data?.limit]).toEqual([429, "limits.toolRatePerSec"]);
      const overTcp = await tcp.call("quick");
      expect(overTcp).toEqual({ jsonrpc: "2.0", id: overTcp.id, error: toolLimited(overTcp.error?.data?.retryAfterMs) });
      const modern = await answerOf(await mpost(s.mcpUrl, modernCall("m1", "quick")));
      expect([modern.status, modern.retryAfter, modern.body.error?.code, modern.body.error?.data?.limit]).toEqual([429, "1", -32000, "limits.toolRatePerSec"]);

      expect(await ok(a, "tools/call", { name: "other" })).toEqual(text("other"));
      expect((await tcp.call("other")).result).toEqual(text("other"));

      await Bun.sleep(Number(answer.retryAfter) * 1000);
      expect(await ok(a, "tools/call", { name: "quick" })).toEqual(text("quick"));
      tcp.close();
    }));
});

describe("limits.maxConcurrentPerTool", () => {
  const LIMITS = { limits: { maxConcurrentPerTool: 1 } };
  const BUSY_GATE = busy("limits.maxConcurrentPerTool", "Server busy: 1 calls of tool gate are already running", 100);

  test("a second concurrent call of a tool gets -32000 (HTTP 503 + Retry-After, in-band on TCP); other tools keep working; the slot frees when the first ends", () =>
    withLimitsServer(LIMITS, async (s) => {
      const client = await HttpClient.open(harnessOf(s));
      const tcp = await LineClient.connect(s.tcp.port);
      await tcp.initialize();
      const first = client.request("tools/call", { name: "gate", arguments: { tag: "c1" } });
      await s.gates.waitStarted("c1");

      const { response, id } = await client.request("tools/call", { name: "gate", arguments: { tag: "c2" } });
      expect(await answerOf(response)).toEqual({ status: 503, retryAfter: "1", type: "application/json", body: { jsonrpc: "2.0", id, error: BUSY_GATE } });
      const overTcp = await tcp.call("gate", { tag: "c3" });
      expect(overTcp).toEqual({ jsonrpc: "2.0", id: overTcp.id, error: BUSY_GATE });
      const modern = await answerOf(await mpost(s.mcpUrl, modernCall("m1", "gate", { tag: "c4" })));
      expect(modern).toEqual({ status: 503, retryAfter: "1", type: "application/json", body: { jsonrpc: "2.0", id: "m1", error: BUSY_GATE } });
      expect(await ok(client, "tools/call", { name: "quick" })).toEqual(text("quick"));
      expect((await tcp.call("other")).result).toEqual(text("other"));

      s.gates.open("c1");
      const done = await first;
      expect(await answerOf(done.response)).toEqual({ status: 200, retryAfter: null, type: "application/json", body: { jsonrpc: "2.0", id: done.id, result: text("gate c1 opened") } });
      const next = tcp.call("gate", { tag: "c5" });
      await s.gates.waitStarted("c5");
      s.gates.open("c5");
      expect((await next).result).toEqual(text("gate c5 opened"));
      // The refused calls never reached the handler.
      expect(s.gates.started).toEqual(["c1", "c5"]);
      tcp.close();
    }));
});

describe("limits.requestTimeoutMs", () => {
  const LIMITS = { limits: { requestTimeoutMs: 500 } };
  /**
   * Deadlines fall into one-second buckets checked every 250 ms: never early, and on a quiet
   * machine at most ~1.25 s late. The upper bound only says "it does expire": 15 s of slack
   * for a loaded machine (the precision is units.test.ts's Deadlines to state, not a wire test's).
   */
  const inWindow = (ms: number) => {
    expect(ms).toBeGreaterThanOrEqual(500);
    expect(ms).toBeLessThan(500 + 15_000);
  };

  test("2025 over HTTP: the slow tool's signal aborts, the client gets the error naming the limit, and the session keeps working", () =>
    withLimitsServer(LIMITS, async (s) => {
      const client = await HttpClient.open(harnessOf(s));
      const started = performance.now();
      const { response, id } = await client.request("tools/call", { name: "gate", arguments: { tag: "t1" } });
      const answer = await answerOf(response);
      inWindow(performance.now() - started);
      expect(answer).toEqual({ status: 200, retryAfter: null, type: "application/json", body: { jsonrpc: "2.0", id, error: TIMEOUT } });
      expect(await s.gates.waitAborted("t1")).toBe(TIMEOUT.message);
      expect(await ok(client, "tools/call", { name: "quick" })).toEqual(text("quick"));
    }));

  test("2025 over TCP: the same error in-band; the connection stays open and serves the next call", () =>
    withLimitsServer(LIMITS, async (s) => {
      const c = await LineClient.connect(s.tcp.port);
      await c.initialize();
      const started = performance.now();
      const answer = await c.call("gate", { tag: "t2" });
      inWindow(performance.now() - started);
      expect(answer).toEqual({ jsonrpc: "2.0", id: answer.id, error: TIMEOUT });
      expect(await s.gates.waitAborted("t2")).toBe(TIMEOUT.message);
      expect((await c.call("quick")).result).toEqual(text("quick"));
      expect(c.closedAt).toBeNull();
      c.close();
    }));

  test("2026-07-28 over HTTP: the handler's signal aborts and the answer is the error naming the limit; the next request is served", () =>
    withLimitsServer(LIMITS, async (s) => {
      const started = performance.now();
      const answer = await answerOf(await mpost(s.mcpUrl, modernCall("slow", "gate", { tag: "t3" })));
      inWindow(performance.now() - started);
      expect(answer).toEqual({ status: 200, retryAfter: null, type: "application/json", body: { jsonrpc: "2.0", id: "slow", error: TIMEOUT } });
      expect(await s.gates.waitAborted("t3")).toBe(TIMEOUT.message);
      const next = await answerOf(await mpost(s.mcpUrl, modernCall("next", "quick")));
      expect([next.status, next.body.result?.content]).toEqual([200, text("quick").content]);
    }));

  test("a request that finishes in time is answered normally", () =>
    withLimitsServer(LIMITS, async (s) => {
      const client = await HttpClient.open(harnessOf(s));
      const pending = client.request("tools/call", { name: "gate", arguments: { tag: "t4" } });
      await s.gates.waitStarted("t4");
      await Bun.sleep(100);
      s.gates.open("t4");
      const { response } = await pending;
      expect(((await response.json()) as Msg).result).toEqual(text("gate t4 opened"));
      await Bun.sleep(2000);
      expect(s.gates.aborted).toEqual([]);
    }));
});

describe("limits.maxHeapMb", () => {
  test("above the watermark new sessions are refused on every transport while open ones keep working; below it they are admitted again", async () => {
    Bun.gc(true);
    const heapMb = () => process.memoryUsage().heapUsed / 1024 / 1024;
    const limitMb = Math.ceil(heapMb()) + 64;
    await withLimitsServer({ limits: { maxHeapMb: limitMb } }, async (s) => {
      const h = harnessOf(s);
      const http = await HttpClient.open(h);
      const ws = await WsClient.open(s.wsUrl);
      await ws.initialize();
      const tcp = await LineClient.connect(s.tcp.port);
      await tcp.initialize();

      // Retained arrays of doubles: ~160 MiB on the JS heap, well past the watermark.
      const ballast: number[][] = [];
      for (let i = 0; i < 160; i++) ballast.push(new Array(131_072).fill(i + 0.5));
      // heapUsed lags large allocations until a collection (measured: 82 MiB before, 160 after): collect, the ballast stays.
      Bun.gc(true);
      expect(heapMb()).toBeGreaterThan(limitMb);
      await Bun.sleep(300); // the guard samples the heap at most every 250 ms

      const refusal = { jsonrpc: "2.0", id: null, error: busy("limits.maxHeapMb", `Server busy: memory above limits.maxHeapMb (${limitMb} MiB); new sessions and listen streams are refused`, 5000) };
      const init = await fetch(s.mcpUrl, { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream" }, body: JSON.stringify(INITIALIZE(0)) });
      expect(await answerOf(init)).toEqual({ status: 503, retryAfter: "5", type: "application/json", body: refusal });
      const upgrade = await rawUpgrade(s.httpPort);
      expect(rawAnswerOf(upgrade.response)).toEqual({ status: 503, retryAfter: "5", type: "application/json", body: refusal });
      upgrade.conn.close();
      expect(await refusedTcp(s.tcp.port)).toEqual(refusal);
      const sse = await fetch(new URL("/sse", s.mcpUrl), { headers: { accept: "text/event-stream" } });
      expect(await answerOf(sse)).toEqual({ status: 503, retryAfter: "5", type: "application/json", body: refusal });

      expect(await ok(http, "tools/call", { name: "quick" })).toEqual(text("quick"));
      expect((await ws.call("quick")).result).toEqual(text("quick"));
      expect((await tcp.call("quick")).result).toEqual(text("quick"));
      expect(ballast.length).toBe(160);

      // Emptied in place: a conservative scan of the stack may still see the outer array.
      ballast.length = 0;
      Bun.gc(true);
      expect(heapMb()).toBeLessThan(limitMb);
      await Bun.sleep(300);
      const again = await HttpClient.open(h);
      expect(await ok(again, "tools/call", { name: "quick" })).toEqual(text("quick"));
      ws.close();
      tcp.close();
    });
  });
});
