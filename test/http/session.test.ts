/**
 * Streamable HTTP session lifecycle over real requests (2025-11-25 transports §POST, §GET,
 * §session management): initialize and the session id, 202 for notifications and client
 * responses, the standalone GET stream and its single-connection rule, DELETE, and the
 * 400/404 answers for missing, unknown and terminated ids.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { errorOf, HttpClient, initializeRequest, jsonBody, LATEST, post, SseReader, startHttp, waitFor, type Harness } from "../fixtures/http-harness.ts";

let h: Harness;
beforeAll(() => {
  h = startHttp();
});
afterAll(() => h.stop());

const SESSION_NOT_FOUND = { status: 404, id: null, code: -32001, message: expect.stringContaining("Session not found") };

describe("initialize", () => {
  test("answers 200 application/json with the InitializeResult and an Mcp-Session-Id", async () => {
    const r = await post(h, initializeRequest(LATEST, {}, "init-1"));
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("application/json");
    const body: any = await r.json();
    expect(body).toMatchObject({ jsonrpc: "2.0", id: "init-1", result: { protocolVersion: LATEST, serverInfo: { name: "http-test", version: "1.0.0" } } });
    expect(body.error).toBeUndefined();
    expect(r.headers.get("mcp-session-id")).not.toBeNull();
  });

  test("session ids are visible ASCII, 128 random bits (base64url), and never repeat", async () => {
    const n = 64;
    const ids = await Promise.all(Array.from({ length: n }, () => post(h, initializeRequest()).then((r) => r.headers.get("mcp-session-id"))));
    expect(ids.filter((id) => id !== null)).toHaveLength(n);
    for (const id of ids as string[]) {
      expect(id).toMatch(/^[\x21-\x7e]+$/);
      expect(id).toMatch(/^[A-Za-z0-9_-]{22,}$/);
      expect(Buffer.from(id, "base64url").length).toBeGreaterThanOrEqual(16);
    }
    expect(new Set(ids).size).toBe(n);
    // Ids are sealed (a key-id byte, then a random 96-bit IV and the ciphertext): 64 ids take
    // many values at every random byte position.
    const bytes = (ids as string[]).map((id) => Buffer.from(id, "base64url"));
    for (let i = 1; i <= 16; i++) expect(new Set(bytes.map((b) => b[i])).size).toBeGreaterThan(16);
  });

  test("echoes an older supported version and counter-offers the latest for an unknown one", async () => {
    const old = await jsonBody(await post(h, initializeRequest("2025-03-26")));
    expect(old.result.protocolVersion).toBe("2025-03-26");
    const unknown = await jsonBody(await post(h, initializeRequest("1999-01-01")));
    expect(unknown.result.protocolVersion).toBe(LATEST);
  });

  test("initialize carrying an Mcp-Session-Id is refused with 400", async () => {
    const c = await HttpClient.open(h);
    const e = await errorOf(await post(h, initializeRequest(), { sid: c.sid }));
    expect(e).toEqual({ status: 400, id: null, code: -32600, message: expect.stringContaining("initialize must not carry Mcp-Session-Id") });
  });
});

describe("202 Accepted", () => {
  test("a notification gets 202 with an empty body and no content type", async () => {
    const r = await post(h, initializeRequest());
    const sid = r.headers.get("mcp-session-id")!;
    const ack = await post(h, { jsonrpc: "2.0", method: "notifications/initialized" }, { sid, version: LATEST });
    expect(ack.status).toBe(202);
    expect(ack.headers.get("content-type")).toBeNull();
    expect(await ack.text()).toBe("");
    // An unknown notification is accepted and ignored the same way.
    const other = await post(h, { jsonrpc: "2.0", method: "notifications/whatever" }, { sid, version: LATEST });
    expect([other.status, await other.text()]).toEqual([202, ""]);
  });

  test("the client's response to a server request gets 202 with an empty body, and the tool gets it", async () => {
    const c = await HttpClient.open(h, LATEST, { elicitation: { form: {} } });
    const { response } = await c.request("tools/call", { name: "test_elicitation", arguments: { message: "Who are you?" } });
    expect(response.status).toBe(200);
    const sse = new SseReader(response);
    const [ask] = await sse.messages(1);
    expect(ask!.message).toMatchObject({ jsonrpc: "2.0", method: "elicitation/create", params: { message: "Who are you?" } });
    const answer = await c.post({ jsonrpc: "2.0", id: ask!.message.id, result: { action: "accept", content: { username: "ada", email: "ada@example.com" } } });
    expect(answer.status).toBe(202);
    expect(await answer.text()).toBe("");
    const [result] = await sse.messages(1);
    expect(result!.message.result.content[0].text).toBe('User response: action=accept, content={"username":"ada","email":"ada@example.com"}');
    expect(await sse.next()).toBeNull();
  });

  test("a response to no pending request is accepted (202) and changes nothing", async () => {
    const c = await HttpClient.open(h);
    const r = await c.post({ jsonrpc: "2.0", id: "never-sent", result: {} });
    expect([r.status, await r.text()]).toEqual([202, ""]);
    expect((await c.call("ping")).result).toEqual({});
  });
});

describe("request ids", () => {
  test("an id already in flight is refused on its own POST, and the first POST still gets its answer", async () => {
    const c = await HttpClient.open(h);
    const first = c.post({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "test_tool_with_logging" } });
    const firstStream = new SseReader(await first);
    await firstStream.messages(1);
    const second = await c.post({ jsonrpc: "2.0", id: 7, method: "ping" });
    expect(await jsonBody(second)).toEqual({ jsonrpc: "2.0", id: 7, error: { code: -32600, message: "Invalid Request: id 7 is already in use by a request in flight" } });
    const rest = (await firstStream.readToEnd()).map((b) => b.message);
    expect(rest).toHaveLength(3);
    expect(rest[2]).toEqual({ jsonrpc: "2.0", id: 7, result: { content: [{ type: "text", text: "Tool with logging executed successfully" }] } });
    // Once answered, the id may be used again.
    expect(await jsonBody(await c.post({ jsonrpc: "2.0", id: 7, method: "ping" }))).toEqual({ jsonrpc: "2.0", id: 7, result: {} });
  });
});

describe("the standalone GET stream", () => {
  test("opens as text/event-stream and carries list_changed and resources/updated", async () => {
    const c = await HttpClient.open(h);
    const abort = new AbortController();
    const r = await c.get({ signal: abort.signal });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("text/event-stream");
    expect(r.headers.get("cache-control")).toBe("no-cache, no-transform");
    const sse = new SseReader(r);
    const sub = await c.call("resources/subscribe", { uri: "test://static-text" });
    expect(sub.result).toEqual({});

    h.server.tool("added_mid_session", { description: "registered while a GET stream is open" }, () => "ok");
    const [listChanged] = await sse.messages(1);
    expect(listChanged!.message).toEqual({ jsonrpc: "2.0", method: "notifications/tools/list_changed" });
    h.server.notifyResourceUpdated("test://not-subscribed");
    h.server.notifyResourceUpdated("test://static-text");
    const [updated] = await sse.messages(1);
    expect(updated!.message).toEqual({ jsonrpc: "2.0", method: "notifications/resources/updated", params: { uri: "test://static-text" } });
    // Server-initiated messages only: never a response on the standalone stream.
    expect(await sse.quiet(150)).toBe(true);
    h.server.removeTool("added_mid_session");
    const [removed] = await sse.messages(1);
    expect(removed!.message.method).toBe("notifications/tools/list_changed");
    abort.abort();
  });

  test("a second concurrent GET gets 409; once the first is dropped, a new GET is served", async () => {
    const c = await HttpClient.open(h);
    const abort = new AbortController();
    const first = await c.get({ signal: abort.signal });
    expect(first.status).toBe(200);
    const second = await errorOf(await c.get());
    expect(second).toEqual({ status: 409, id: null, code: -32600, message: expect.stringContaining("already has an open GET stream") });

    abort.abort();
    let status = 0;
    await waitFor(async () => {
      const again = await c.get({ signal: abort.signal.aborted ? undefined : abort.signal });
      status = again.status;
      if (status === 200) await again.body?.cancel();
      else await again.text();
      return status === 200;
    }, 3000, "the server to notice the dropped GET stream");
    expect(status).toBe(200);
  });

  test("an open stream gets a keep-alive comment every http.keepaliveMs, and nothing else", async () => {
    const k = startHttp({ listen: { keepaliveMs: 100 } });
    try {
      const c = await HttpClient.open(k);
      const sse = new SseReader(await c.get());
      expect(await sse.quiet(450)).toBe(true);
      // One comment opens the stream; then one per period.
      expect(sse.comments).toBeGreaterThanOrEqual(4);
      await sse.cancel();
    } finally {
      await k.stop();
    }
  });

  test("GET without text/event-stream in Accept gets 406", async () => {
    const c = await HttpClient.open(h);
    const e = await errorOf(await c.get({ headers: { accept: "application/json" } }));
    expect(e).toEqual({ status: 406, id: null, code: -32000, message: expect.stringContaining("text/event-stream") });
  });
});

describe("DELETE and session ids", () => {
  test("DELETE answers 204, ends the open GET stream, and the id then gets 404 on POST, GET and DELETE", async () => {
    const c = await HttpClient.open(h);
    const stream = new SseReader(await c.get());
    const del = await c.delete();
    expect(del.status).toBe(204);
    expect(await del.text()).toBe("");
    // The stream ends carrying no message (at most a retry hint).
    expect((await stream.readToEnd(2000)).filter((b) => b.data !== undefined)).toEqual([]);
    expect(stream.ended).toBe(true);

    expect(await errorOf(await c.post({ jsonrpc: "2.0", id: 1, method: "ping" }))).toEqual(SESSION_NOT_FOUND);
    expect(await errorOf(await c.notify("notifications/initialized"))).toEqual(SESSION_NOT_FOUND);
    expect(await errorOf(await c.get())).toEqual(SESSION_NOT_FOUND);
    expect(await errorOf(await c.delete())).toEqual(SESSION_NOT_FOUND);
  });

  test("DELETE while a request is in flight: the POST's stream ends, the session is gone", async () => {
    const c = await HttpClient.open(h);
    const { response } = await c.request("tools/call", { name: "test_tool_with_logging" });
    const sse = new SseReader(response);
    await sse.messages(1);
    expect((await c.delete()).status).toBe(204);
    const rest = await sse.readToEnd(2000);
    expect(rest.filter((b) => b.message && "id" in b.message)).toEqual([]);
    expect(await errorOf(await c.post({ jsonrpc: "2.0", id: 9, method: "ping" }))).toEqual(SESSION_NOT_FOUND);
  });

  test("an unknown session id gets 404 -32001 on POST, GET and DELETE", async () => {
    const ghost = new HttpClient(h, "AAAAAAAAAAAAAAAAAAAAAA", LATEST);
    expect(await errorOf(await ghost.post({ jsonrpc: "2.0", id: 1, method: "ping" }))).toEqual(SESSION_NOT_FOUND);
    expect(await errorOf(await ghost.get())).toEqual(SESSION_NOT_FOUND);
    expect(await errorOf(await ghost.delete())).toEqual(SESSION_NOT_FOUND);
  });

  test("a missing session id gets 400 on a non-initialize POST, on GET and on DELETE", async () => {
    const MISSING = { status: 400, id: null, code: -32600, message: expect.stringContaining("Mcp-Session-Id header is required") };
    expect(await errorOf(await post(h, { jsonrpc: "2.0", id: 1, method: "tools/list" }))).toEqual(MISSING);
    expect(await errorOf(await post(h, { jsonrpc: "2.0", method: "notifications/initialized" }))).toEqual(MISSING);
    expect(await errorOf(await fetch(h.url, { headers: { accept: "text/event-stream" } }))).toEqual(MISSING);
    expect(await errorOf(await fetch(h.url, { method: "DELETE" }))).toEqual(MISSING);
  });
});
