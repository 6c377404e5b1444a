/**
 * Hostile and broken HTTP clients against a real listener: a body that stalls or trickles
 * (408 within http.bodyTimeoutMs), headers that never finish (closed after
 * http.idleTimeoutSec), a flood of bad requests beside a well-behaved session that must not
 * notice, and initialize past http.maxSessions (503 + Retry-After).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ACCEPT_BOTH, errorOf, HttpClient, initializeRequest, jsonBody, LATEST, post, SseReader, startHttp, type Harness } from "../fixtures/http-harness.ts";
import { parseRaw, RawConnection } from "../fixtures/http-raw.ts";

const BODY_TIMEOUT_MS = 400;
const IDLE_TIMEOUT_SEC = 1;
/**
 * How late a timeout may act on a loaded 2-core machine. The 408 status and message, not the
 * delay, show that the body timeout acted.
 */
const LOADED_SLACK_MS = 10_000;
let h: Harness;
beforeAll(() => {
  h = startHttp({ limits: { maxMessageBytes: 8192 }, listen: { bodyTimeoutMs: BODY_TIMEOUT_MS, idleTimeoutSec: IDLE_TIMEOUT_SEC, maxSessions: 8 } });
});
afterAll(() => h.stop());

const head = (length: number, extra = "") =>
  `POST /mcp HTTP/1.1\r\nHost: ${h.authority}\r\nContent-Type: application/json\r\nAccept: ${ACCEPT_BOTH}\r\nContent-Length: ${length}\r\n${extra}\r\n`;
const TIMEOUT_MESSAGE = `Request Timeout: body not received within ${BODY_TIMEOUT_MS} ms (http.bodyTimeoutMs)`;

describe("slow clients", () => {
  test("a body that stalls halfway gets 408 within http.bodyTimeoutMs, and the connection closes", async () => {
    const body = JSON.stringify(initializeRequest());
    const c = await RawConnection.open(h);
    c.write(head(body.length) + body.slice(0, Math.floor(body.length / 2)));
    expect(await c.waitClosed(BODY_TIMEOUT_MS + LOADED_SLACK_MS)).toBe(true);
    const r = parseRaw(c.text);
    expect(r.status).toBe(408);
    expect(r.headers.connection).toBe("close");
    expect(JSON.parse(r.body)).toEqual({ jsonrpc: "2.0", id: null, error: { code: -32600, message: TIMEOUT_MESSAGE } });
    expect(c.firstByteMs!).toBeGreaterThanOrEqual(BODY_TIMEOUT_MS - 50);
    expect(c.firstByteMs!).toBeLessThan(BODY_TIMEOUT_MS + LOADED_SLACK_MS);
    // No session was created by the half request.
    expect(h.listener.streamable.sessionCount).toBe(0);
  });

  test("a body trickled a byte at a time (never idle) still gets 408 at http.bodyTimeoutMs", async () => {
    const body = JSON.stringify(initializeRequest());
    const c = await RawConnection.open(h);
    c.write(head(body.length));
    let sent = 0;
    const trickle = setInterval(() => {
      if (c.closedAfterMs === null && sent < body.length - 1) c.write(body[sent++]!);
    }, 50);
    try {
      expect(await c.waitClosed(BODY_TIMEOUT_MS + LOADED_SLACK_MS)).toBe(true);
    } finally {
      clearInterval(trickle);
    }
    expect(sent).toBeGreaterThan(3);
    expect(parseRaw(c.text).status).toBe(408);
    expect(c.firstByteMs!).toBeLessThan(BODY_TIMEOUT_MS + LOADED_SLACK_MS);
  });

  test("an idle keep-alive connection is closed after http.idleTimeoutSec, while an open GET stream lives on", async () => {
    const client = await HttpClient.open(h);
    await client.call("resources/subscribe", { uri: "test://static-text" });
    const sse = new SseReader(await client.get());
    const c = await RawConnection.open(h);
    c.write(`GET /healthz HTTP/1.1\r\nHost: ${h.authority}\r\n\r\n`);
    // Bun checks idle connections every ~4 s.
    expect(await c.waitClosed(IDLE_TIMEOUT_SEC * 1000 + 6000)).toBe(true);
    expect(parseRaw(c.text).status).toBe(200);
    expect(c.closedAfterMs!).toBeGreaterThanOrEqual(IDLE_TIMEOUT_SEC * 1000 - 100);
    // The SSE stream was silent just as long (no keep-alive is due yet), and is still served.
    await Bun.sleep(500);
    h.server.notifyResourceUpdated("test://static-text");
    const [updated] = await sse.messages(1);
    expect(updated!.message.params).toEqual({ uri: "test://static-text" });
    await sse.cancel();
    expect((await client.delete()).status).toBe(204);
  });

  test(
    "headers that never finish are closed by the server (Bun's fixed ~10-14 s header timeout), with no answer",
    async () => {
      const partial = ["POST /mcp HTT", `POST /mcp HTTP/1.1\r\nHost: ${h.authority}\r\nContent-Type: application/json\r\n`, ""];
      const conns = await Promise.all(partial.map(() => RawConnection.open(h)));
      conns.forEach((c, i) => partial[i] && c.write(partial[i]!));
      const closed = await Promise.all(conns.map((c) => c.waitClosed(17_000)));
      expect(closed).toEqual([true, true, true]);
      for (const c of conns) {
        expect(c.text).toBe("");
        expect(c.closedAfterMs!).toBeGreaterThanOrEqual(IDLE_TIMEOUT_SEC * 1000);
      }
    },
    20_000,
  );
});

describe("a flood of bad requests beside a working session", () => {
  test("every bad request gets its exact refusal, and the other session notices nothing", async () => {
    const good = await HttpClient.open(h);
    const get = new SseReader(await good.get());
    await good.call("resources/subscribe", { uri: "test://static-text" });
    const sessionsBefore = h.listener.streamable.sessionCount;

    const BAD: { name: string; send(): Promise<Response>; status: number; code: number }[] = [
      { name: "not JSON", send: () => post(h, "{nope", { sid: good.sid, version: LATEST }), status: 400, code: -32700 },
      { name: "not JSON-RPC", send: () => post(h, { hello: "world" }, { sid: good.sid, version: LATEST }), status: 400, code: -32600 },
      { name: "foreign Host", send: () => post(h, initializeRequest(), { headers: { host: "evil.example.com" } }), status: 403, code: -32000 },
      { name: "foreign Origin", send: () => post(h, { jsonrpc: "2.0", id: 1, method: "ping" }, { sid: good.sid, headers: { origin: "http://evil.example.com" } }), status: 403, code: -32000 },
      { name: "unknown session", send: () => post(h, { jsonrpc: "2.0", id: 1, method: "ping" }, { sid: "x".repeat(22), version: LATEST }), status: 404, code: -32001 },
      { name: "no session", send: () => post(h, { jsonrpc: "2.0", id: 1, method: "tools/list" }), status: 400, code: -32600 },
      { name: "bad version", send: () => post(h, { jsonrpc: "2.0", id: 1, method: "ping" }, { sid: good.sid, version: "1999-01-01" }), status: 400, code: -32600 },
      { name: "wrong media type", send: () => post(h, "{}", { sid: good.sid, headers: { "content-type": "text/plain" } }), status: 415, code: -32000 },
      { name: "oversize", send: () => post(h, "x".repeat(20_000), { sid: good.sid, version: LATEST }), status: 413, code: -32600 },
      { name: "PUT", send: () => fetch(h.url, { method: "PUT", body: "{}" }), status: 405, code: -32000 },
    ];
    const ROUNDS = 40;
    const jobs = Array.from({ length: ROUNDS }, () => BAD).flat();
    const tally = new Map<string, number>();
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) {
        const bad = jobs[next++]!;
        const e = await errorOf(await bad.send());
        const ok = e.status === bad.status && e.code === bad.code && e.id === null;
        const key = ok ? bad.name : `${bad.name}: got ${e.status}/${e.code}`;
        tally.set(key, (tally.get(key) ?? 0) + 1);
      }
    };
    // The good client keeps working during the flood.
    const goodCalls = (async () => {
      const texts: string[] = [];
      for (let i = 0; i < 20; i++) {
        const r = await good.call("tools/call", { name: "test_simple_text" });
        texts.push(r.result.content[0].text);
      }
      return texts;
    })();
    await Promise.all([...Array.from({ length: 16 }, worker), goodCalls]);

    expect(Object.fromEntries(tally)).toEqual(Object.fromEntries(BAD.map((b) => [b.name, ROUNDS])));
    expect(await goodCalls).toEqual(Array(20).fill("This is a simple text response for testing."));
    expect(h.listener.streamable.sessionCount).toBe(sessionsBefore);
    // The good session's standalone stream saw nothing of the flood, and still works.
    expect(await get.quiet(100)).toBe(true);
    h.server.notifyResourceUpdated("test://static-text");
    const [updated] = await get.messages(1);
    expect(updated!.message).toEqual({ jsonrpc: "2.0", method: "notifications/resources/updated", params: { uri: "test://static-text" } });
    await get.cancel();
    expect((await good.delete()).status).toBe(204);
  });

  test("raw garbage on many connections is refused without disturbing a session", async () => {
    const good = await HttpClient.open(h);
    const garbage = ["GARBAGE\r\n\r\n", "POST /mcp HTTP/9.9\r\n\r\n", "\x00\x01\x02\r\n\r\n", `POST /mcp HTTP/1.1\r\nHost: ${h.authority}\r\nContent-Length: -5\r\n\r\n`];
    const conns = await Promise.all(Array.from({ length: 40 }, () => RawConnection.open(h)));
    conns.forEach((c, i) => c.write(garbage[i % garbage.length]!));
    const closed = await Promise.all(conns.map((c) => c.waitClosed(IDLE_TIMEOUT_SEC * 1000 + 3000)));
    expect(closed.filter(Boolean)).toHaveLength(conns.length);
    try {
      // Bun answers each with 400 (505 for the unknown HTTP version) and closes.
      expect(conns.map((c) => /^HTTP\/1\.1 (\d{3}) /.exec(c.text)?.[1])).toEqual(conns.map((_, i) => (i % garbage.length === 1 ? "505" : "400")));
      expect((await good.call("ping")).result).toEqual({});
    } finally {
      expect((await good.delete()).status).toBe(204);
    }
  });
});

describe("http.maxSessions", () => {
  test("initialize past the limit gets 503 with Retry-After, while open sessions keep working", async () => {
    expect(h.listener.streamable.sessionCount).toBe(0);
    const clients = await Promise.all(Array.from({ length: 8 }, () => HttpClient.open(h)));
    const refused = await post(h, initializeRequest());
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(await errorOf(refused)).toEqual({ status: 503, id: null, code: -32000, message: "Service Unavailable: http.maxSessions (8) sessions are open" });
    for (const c of clients) expect((await c.call("ping")).result).toEqual({});
    // Ending one session makes room for exactly one more.
    expect((await clients[0]!.delete()).status).toBe(204);
    const again = await post(h, initializeRequest());
    expect(again.status).toBe(200);
    expect((await jsonBody(again)).result.protocolVersion).toBe(LATEST);
    expect((await post(h, initializeRequest())).status).toBe(503);
    for (const c of clients.slice(1)) await c.delete();
    await fetch(h.url, { method: "DELETE", headers: { "mcp-session-id": again.headers.get("mcp-session-id")! } });
    expect(h.listener.streamable.sessionCount).toBe(0);
  });
});
