/**
 * JSON-RPC batches on Streamable HTTP (2025-03-26 transports §POST, the one revision that had
 * them): the answer to a batch goes on the POST that carried it, as JSON or an SSE stream per
 * http.responseMode; a batch of requests gets 200 with the array of responses, one of only
 * notifications or responses 202, and one whose every item is invalid 400 with its errors.
 * Later revisions refuse batches with 400 naming the revision.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { errorOf, HttpClient, initializeRequest, jsonBody, post, SseReader, startHttp, waitFor, type Harness } from "../fixtures/http-harness.ts";

const V = "2025-03-26";
const MAX_SESSIONS = 5;
const IDLE_MS = 300;
let auto: Harness;
let sse: Harness;
let small: Harness;
beforeAll(() => {
  auto = startHttp({ listen: { responseMode: "auto" } });
  sse = startHttp({ listen: { responseMode: "sse" } });
  small = startHttp({ listen: { maxSessions: MAX_SESSIONS, sessionIdleMs: IDLE_MS } });
});
afterAll(() => Promise.all([auto.stop(), sse.stop(), small.stop()]));

const timeout = () => AbortSignal.timeout(5000);
const TOOLS_LIST = (id: number) => ({ jsonrpc: "2.0", id, method: "tools/list" });
const byId = (messages: any[]) => [...messages].sort((a, b) => String(a.id).localeCompare(String(b.id)));

describe("2025-03-26 batches on the POST that carried them", () => {
  test("a batch of one request is answered 200 with a one-element array, and nothing reaches the GET stream", async () => {
    const c = await HttpClient.open(auto, V);
    const get = new SseReader(await c.get());
    const r = await c.post([TOOLS_LIST(1)], { signal: timeout() });
    expect(r.status).toBe(200);
    const body = await jsonBody(r);
    expect(body).toHaveLength(1);
    expect(body[0].id).toBe(1);
    expect(Array.isArray(body[0].result.tools)).toBe(true);
    expect(await get.quiet(300)).toBe(true);
    await get.cancel();
  });

  test("a batch of tools/list and ping gets both answers in one array", async () => {
    const c = await HttpClient.open(auto, V);
    const r = await c.post([TOOLS_LIST(7), { jsonrpc: "2.0", id: 8, method: "ping" }], { signal: timeout() });
    expect(r.status).toBe(200);
    const body = byId(await jsonBody(r));
    expect(body.map((m: any) => m.id)).toEqual([7, 8]);
    expect(body[1]).toEqual({ jsonrpc: "2.0", id: 8, result: {} });
    expect(Array.isArray(body[0].result.tools)).toBe(true);
  });

  test("a batch whose every item is invalid gets 400 and one -32600 error per item", async () => {
    const c = await HttpClient.open(auto, V);
    const r = await c.post([1, 2], { signal: timeout() });
    expect(r.status).toBe(400);
    const body = await jsonBody(r);
    expect(body).toHaveLength(2);
    for (const e of body) {
      expect(e.id).toBeNull();
      expect(e.error.code).toBe(-32600);
      expect(e.error.message).toStartWith("Invalid Request");
    }
  });

  test("invalid items beside requests are answered in the same array", async () => {
    const c = await HttpClient.open(auto, V);
    const r = await c.post([{ jsonrpc: "2.0", id: 3, method: "ping" }, 42], { signal: timeout() });
    expect(r.status).toBe(200);
    const body = await jsonBody(r);
    expect(body).toHaveLength(2);
    expect(body).toContainEqual({ jsonrpc: "2.0", id: 3, result: {} });
    expect(body.find((m: any) => m.id === null).error.code).toBe(-32600);
  });

  test("an invalid item beside notifications only is answered 200 with its error", async () => {
    const c = await HttpClient.open(auto, V);
    const r = await c.post([{ jsonrpc: "2.0", method: "notifications/whatever" }, "x"], { signal: timeout() });
    expect(r.status).toBe(200);
    const body = await jsonBody(r);
    expect(body).toHaveLength(1);
    expect(body[0].error.code).toBe(-32600);
  });

  test("a batch of notifications only gets 202 with no body", async () => {
    const c = await HttpClient.open(auto, V);
    const r = await c.post([{ jsonrpc: "2.0", method: "notifications/whatever" }, { jsonrpc: "2.0", method: "notifications/other" }], { signal: timeout() });
    expect(r.status).toBe(202);
    expect(await r.text()).toBe("");
  });

  test("a batch with a tool that reports progress becomes a stream: the progress, then the array", async () => {
    const c = await HttpClient.open(auto, V);
    const get = new SseReader(await c.get());
    const call = { jsonrpc: "2.0", id: 11, method: "tools/call", params: { name: "test_tool_with_progress", _meta: { progressToken: "t" } } };
    const r = await c.post([call, { jsonrpc: "2.0", id: 12, method: "ping" }], { signal: timeout() });
    expect(r.status).toBe(200);
    const messages = (await new SseReader(r).readToEnd()).filter((b) => b.message).map((b) => b.message);
    const last = messages.pop();
    expect(messages.length).toBeGreaterThan(0);
    for (const m of messages) expect(m.method).toBe("notifications/progress");
    expect(byId(last).map((m: any) => m.id)).toEqual([11, 12]);
    expect(await get.quiet(300)).toBe(true);
    await get.cancel();
  });

  test('in responseMode "sse" a batch is answered on a stream that ends after the array', async () => {
    const c = await HttpClient.open(sse, V);
    const r = await c.post([TOOLS_LIST(21), { jsonrpc: "2.0", id: 22, method: "ping" }], { signal: timeout() });
    expect(r.status).toBe(200);
    const messages = (await new SseReader(r).readToEnd()).filter((b) => b.message).map((b) => b.message);
    expect(messages).toHaveLength(1);
    expect(byId(messages[0]).map((m: any) => m.id)).toEqual([21, 22]);
  });

  test("sessions that answered batches go idle and are evicted: http.maxSessions does not fill up for good", async () => {
    for (let i = 0; i < MAX_SESSIONS; i++) {
      const c = await HttpClient.open(small, V);
      const r = await c.post([TOOLS_LIST(7), { jsonrpc: "2.0", id: 8, method: "ping" }], { signal: timeout() });
      expect(r.status).toBe(200);
      expect(await jsonBody(r)).toHaveLength(2);
    }
    expect((await post(small, initializeRequest(V))).status).toBe(503);
    // Idle sessions are swept every 250 ms once past http.sessionIdleMs.
    await waitFor(async () => (await post(small, initializeRequest(V))).status === 200, 10_000, "an initialize admitted after idle eviction");
  });
});

describe("batches after 2025-03-26", () => {
  test("2025-06-18 refuses a batch with 400 naming the revision, and the session is unharmed", async () => {
    const c = await HttpClient.open(auto, "2025-06-18");
    const r = await c.post([TOOLS_LIST(1)], { signal: timeout() });
    expect(await errorOf(r)).toEqual({ status: 400, id: null, code: -32600, message: "Invalid Request: JSON-RPC batches are not supported in protocol 2025-06-18" });
    expect(await c.call("ping")).toEqual({ jsonrpc: "2.0", id: 1, result: {} });
  });
});
