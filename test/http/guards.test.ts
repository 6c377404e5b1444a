/**
 * Every HTTP-level refusal of the Streamable HTTP endpoint, with its exact status, headers
 * and JSON-RPC error body (2025-11-25 transports §status codes; SDK practice for 406, 415,
 * 409): protocol version, media types, body parsing and size, DNS-rebinding protection
 * (Host and Origin), and methods the endpoint does not serve.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SESSION_VERSIONS } from "../../src/protocol/versions.ts";
import { ACCEPT_BOTH, errorOf, HttpClient, initializeRequest, jsonBody, LATEST, post, startHttp, type Harness } from "../fixtures/http-harness.ts";
import { parseRaw, rawExchange } from "../fixtures/http-raw.ts";

const MAX_BYTES = 4096;
let h: Harness;
let c: HttpClient;
beforeAll(async () => {
  h = startHttp({ limits: { maxMessageBytes: MAX_BYTES, maxJsonDepth: 16 } });
  c = await HttpClient.open(h);
});
afterAll(() => h.stop());

const PING = { jsonrpc: "2.0", id: 1, method: "ping" };

describe("MCP-Protocol-Version", () => {
  test("an unsupported or malformed version gets 400 on POST and GET", async () => {
    for (const version of ["1999-01-01", "2025-11-26", "latest", ""]) {
      const expected = { status: 400, id: null, code: -32600, message: `Bad Request: unsupported MCP-Protocol-Version ${JSON.stringify(version)}` };
      expect(await errorOf(await post(h, PING, { sid: c.sid, version }))).toEqual(expected);
      expect(await errorOf(await c.get({ headers: { "mcp-protocol-version": version } }))).toEqual(expected);
    }
  });

  test("DELETE with an unsupported version gets 400 and the session lives on", async () => {
    const other = await HttpClient.open(h);
    const r = await fetch(h.url, { method: "DELETE", headers: { "mcp-session-id": other.sid, "mcp-protocol-version": "1999-01-01" } });
    expect(await errorOf(r)).toEqual({ status: 400, id: null, code: -32600, message: 'Bad Request: unsupported MCP-Protocol-Version "1999-01-01"' });
    expect((await other.call("ping")).result).toEqual({});
    expect((await other.delete()).status).toBe(204);
  });

  test("a notification with an unsupported version gets 400, not 202", async () => {
    const e = await errorOf(await post(h, { jsonrpc: "2.0", method: "notifications/whatever" }, { sid: c.sid, version: "1999-01-01" }));
    expect(e.status).toBe(400);
    expect(e.message).toContain("unsupported MCP-Protocol-Version");
  });

  test("an absent header is accepted (2025-03-26 assumed), and so is every supported version", async () => {
    expect(await jsonBody(await post(h, PING, { sid: c.sid }))).toEqual({ jsonrpc: "2.0", id: 1, result: {} });
    expect(SESSION_VERSIONS.length).toBeGreaterThanOrEqual(4);
    for (const version of SESSION_VERSIONS) expect(await jsonBody(await post(h, PING, { sid: c.sid, version }))).toEqual({ jsonrpc: "2.0", id: 1, result: {} });
  });

  test("initialize is negotiated by its body, whatever the header says", async () => {
    const r = await post(h, initializeRequest("2025-06-18"), { version: "1999-01-01" });
    expect(r.status).toBe(200);
    expect((await jsonBody(r)).result.protocolVersion).toBe("2025-06-18");
  });
});

describe("media types", () => {
  test("Accept missing either type, or absent, gets 406", async () => {
    const NOT_ACCEPTABLE = { status: 406, id: null, code: -32000, message: "Not Acceptable: Accept must list both application/json and text/event-stream" };
    for (const accept of ["application/json", "text/event-stream", "text/html", "application/json-seq, text/event-streamx"]) {
      const headers = { "content-type": "application/json", accept };
      const e = await errorOf(await post(h, PING, { sid: c.sid, version: LATEST, raw: true, headers }));
      expect({ accept, ...e }).toEqual({ accept, ...NOT_ACCEPTABLE });
    }
    // fetch always sends an Accept, so the header-less request goes over a raw socket.
    const body = JSON.stringify(PING);
    const { text } = await rawExchange(
      h,
      `POST /mcp HTTP/1.1\r\nHost: ${h.authority}\r\nContent-Type: application/json\r\nMcp-Session-Id: ${c.sid}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
    const raw = parseRaw(text);
    expect({ status: raw.status, ...JSON.parse(raw.body).error }).toEqual({ status: 406, code: -32000, message: NOT_ACCEPTABLE.message });
  });

  test("wildcards and parameters in Accept are understood", async () => {
    for (const accept of ["*/*", "application/*, text/*", "application/json;q=0.9, text/event-stream;q=0.8"]) {
      const r = await post(h, PING, { sid: c.sid, version: LATEST, headers: { accept } });
      expect({ accept, status: r.status }).toEqual({ accept, status: 200 });
      await r.text();
    }
  });

  test("a Content-Type other than application/json, or none, gets 415", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "application/jsonx", undefined]) {
      const headers: Record<string, string> = { accept: ACCEPT_BOTH };
      if (type) headers["content-type"] = type;
      const r = await fetch(h.url, { method: "POST", headers: { ...headers, "mcp-session-id": c.sid }, body: type === undefined ? new Blob([JSON.stringify(PING)]) : JSON.stringify(PING) });
      expect({ type, ...(await errorOf(r)) }).toEqual({
        type,
        status: 415,
        id: null,
        code: -32000,
        message: "Unsupported Media Type: Content-Type must be application/json",
      });
    }
  });

  test("application/json with a charset parameter is accepted", async () => {
    const r = await post(h, PING, { sid: c.sid, version: LATEST, headers: { "content-type": "application/json; charset=utf-8" } });
    expect(await jsonBody(r)).toEqual({ jsonrpc: "2.0", id: 1, result: {} });
  });
});

describe("the body", () => {
  test("a body that is not JSON gets 400 with -32700 and no id", async () => {
    for (const body of ["not json", '{"jsonrpc":"2.0",', "", "\u0000"]) {
      const e = await errorOf(await post(h, body, { sid: c.sid, version: LATEST }));
      expect({ body, status: e.status, id: e.id, code: e.code, parse: e.message.startsWith("Parse error") }).toEqual({ body, status: 400, id: null, code: -32700, parse: true });
    }
  });

  test("JSON that is not a JSON-RPC message gets 400 with -32600, echoing the id when it can be read", async () => {
    const cases: [unknown, unknown, string][] = [
      [{ foo: 1 }, null, 'Invalid Request: member "jsonrpc" must be exactly "2.0"'],
      [42, null, "a message must be a JSON object"],
      [{ jsonrpc: "1.0", id: 7, method: "ping" }, 7, 'Invalid Request: member "jsonrpc" must be exactly "2.0"'],
      [{ jsonrpc: "2.0", id: 8, method: 5 }, 8, "Invalid Request"],
      [{ jsonrpc: "2.0", id: 9 }, 9, 'a message needs "method", or exactly one of "result" and "error"'],
      [[], null, "Invalid Request: empty batch"],
    ];
    for (const [body, id, text] of cases) {
      const e = await errorOf(await post(h, body, { sid: c.sid, version: LATEST }));
      expect({ body, status: e.status, id: e.id, code: e.code, text: e.message.includes(text) }).toEqual({ body, status: 400, id, code: -32600, text: true });
    }
  });

  test("JSON nested past limits.maxJsonDepth gets 400 naming the limit", async () => {
    const deep = `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":${"[".repeat(40)}${"]".repeat(40)}}}`;
    const e = await errorOf(await post(h, deep, { sid: c.sid, version: LATEST }));
    expect(e).toEqual({ status: 400, id: null, code: -32600, message: "Invalid Request: JSON nesting exceeds limits.maxJsonDepth (16)" });
  });

  test("a body past limits.maxMessageBytes gets 413 naming the limit, with Content-Length or chunked, however large", async () => {
    const encoder = new TextEncoder();
    // Just past the limit, and far past it (a 2 MiB body against a 4 KiB limit).
    for (const pad of [MAX_BYTES, 2 * 1024 * 1024]) {
      const big = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping", params: { pad: "x".repeat(pad) } });
      const declared = await post(h, big, { sid: c.sid, version: LATEST });
      expect(declared.headers.get("connection")).toBe("close");
      expect(await errorOf(declared)).toEqual({ status: 413, id: null, code: -32600, message: `Payload Too Large: ${big.length} bytes exceeds limits.maxMessageBytes (${MAX_BYTES} bytes)` });

      const chunked = new ReadableStream({
        start(ctl) {
          for (let i = 0; i < big.length; i += 1000) ctl.enqueue(encoder.encode(big.slice(i, i + 1000)));
          ctl.close();
        },
      });
      expect(await errorOf(await post(h, chunked, { sid: c.sid, version: LATEST }))).toEqual({
        status: 413,
        id: null,
        code: -32600,
        message: `Payload Too Large: the body exceeds limits.maxMessageBytes (${MAX_BYTES} bytes)`,
      });
    }
    // The session is unharmed.
    expect(await jsonBody(await post(h, PING, { sid: c.sid, version: LATEST }))).toEqual({ jsonrpc: "2.0", id: 1, result: {} });
  });

  test("a body exactly at limits.maxMessageBytes is served", async () => {
    const base = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping", params: { pad: "" } });
    const exact = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping", params: { pad: "x".repeat(MAX_BYTES - base.length) } });
    expect(exact.length).toBe(MAX_BYTES);
    expect(await jsonBody(await post(h, exact, { sid: c.sid, version: LATEST }))).toEqual({ jsonrpc: "2.0", id: 1, result: {} });
  });

  test("a batch on a 2025-11-25 session gets 400 (the body must be one message), promptly", async () => {
    for (const batch of [[PING], [PING, { jsonrpc: "2.0", id: 2, method: "tools/list" }], [{ jsonrpc: "2.0", method: "notifications/whatever" }]]) {
      const r = await post(h, batch, { sid: c.sid, version: LATEST, signal: AbortSignal.timeout(3000) });
      expect({ batch, ...(await errorOf(r)) }).toEqual({ batch, status: 400, id: null, code: -32600, message: "Invalid Request: JSON-RPC batches are not supported in protocol 2025-11-25" });
    }
    // The session is unharmed.
    expect(await jsonBody(await post(h, PING, { sid: c.sid, version: LATEST }))).toEqual({ jsonrpc: "2.0", id: 1, result: {} });
  });
});

describe("DNS-rebinding protection", () => {
  const denied = (what: string) => ({ status: 403, id: null, code: -32000, message: expect.stringContaining(`Forbidden: ${what}`) });

  test("a foreign Host gets 403 on POST, GET and DELETE, before any session work", async () => {
    for (const host of ["evil.example.com", "evil.example.com:80", "localhost.evil.example.com", "127.0.0.2"]) {
      const headers = { host };
      expect(await errorOf(await post(h, initializeRequest(), { headers }))).toEqual(denied(`Host ${JSON.stringify(host)} is not allowed`));
      expect(await errorOf(await c.get({ headers }))).toEqual(denied(`Host ${JSON.stringify(host)} is not allowed`));
      expect(await errorOf(await fetch(h.url, { method: "DELETE", headers: { ...headers, "mcp-session-id": c.sid } }))).toEqual(denied("Host"));
    }
    // The session was not touched.
    expect(await jsonBody(await post(h, PING, { sid: c.sid, version: LATEST }))).toEqual({ jsonrpc: "2.0", id: 1, result: {} });
  });

  test("a foreign or malformed Origin gets 403", async () => {
    for (const origin of ["http://evil.example.com", `http://evil.example.com:${h.url.port}`, "https://localhost.evil.example.com", "null", "not a url"]) {
      const e = await errorOf(await post(h, initializeRequest(), { headers: { origin } }));
      expect({ origin, ...e }).toEqual({ origin, ...denied(`Origin ${JSON.stringify(origin)}`) });
    }
  });

  test("localhost Host and Origin values are accepted", async () => {
    const port = h.url.port;
    const accepted: Record<string, string>[] = [
      { host: `127.0.0.1:${port}` },
      { host: `localhost:${port}` },
      { host: "localhost" },
      { host: `[::1]:${port}` },
      { host: `LOCALHOST:${port}` },
      { origin: `http://localhost:${port}` },
      { origin: `http://127.0.0.1:${port}` },
      { origin: "https://localhost" },
      { origin: `http://[::1]:${port}` },
    ];
    for (const headers of accepted) {
      const r = await post(h, initializeRequest(), { headers });
      expect({ headers, status: r.status }).toEqual({ headers, status: 200 });
      expect((await jsonBody(r)).result.protocolVersion).toBe(LATEST);
    }
  });
});

describe("methods", () => {
  test("PUT, PATCH and OPTIONS get 405 with Allow", async () => {
    for (const method of ["PUT", "PATCH", "OPTIONS"]) {
      const r = await fetch(h.url, { method, headers: { "content-type": "application/json", accept: ACCEPT_BOTH, "mcp-session-id": c.sid }, body: method === "OPTIONS" ? undefined : JSON.stringify(PING) });
      expect(r.headers.get("allow")).toBe("GET, POST, DELETE");
      expect({ method, ...(await errorOf(r)) }).toEqual({ method, status: 405, id: null, code: -32000, message: `Method Not Allowed: ${method} (use POST, GET or DELETE)` });
    }
  });

  test("another path gets 404 naming the MCP endpoint", async () => {
    const r = await fetch(new URL("/nope", h.url), { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(await errorOf(r)).toEqual({ status: 404, id: null, code: -32601, message: "Not Found: /nope (the MCP endpoint is /mcp)" });
  });
});
