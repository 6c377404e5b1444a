/**
 * Hostile and broken peers on the stream transports. WebSocket: binary frames (served like
 * text; invalid UTF-8 in either closes with 1007),
 * oversize frames (1009), invalid JSON (in-band -32700), a subprotocol without "mcp" (400)
 * and a foreign Origin (403) at the upgrade. TCP: oversize lines (-32600, then the next line
 * works), half-close (answers still arrive, then the server closes), a slow consumer that
 * never reads (disconnected; others unaffected) and an abrupt close mid-request. Both: a
 * slow consumer is cut off at its queue bound, and what it did get has no gap; an abrupt
 * close aborts the work in flight.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import type { Socket } from "bun";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { STATE_URI } from "../fixtures/extra-tools.ts";
import { startNetworkServer, type NetworkServer } from "../fixtures/network-server.ts";
import { Opcode, RawWebSocket } from "../fixtures/ws-raw.ts";
import { readLines } from "./child.ts";

/** A frame limit small enough to cross cheaply. */
const MAX_BYTES = 4096;
/** The slow-consumer bound under test (tcp.maxQueueBytes). */
const MAX_QUEUE = 64 * 1024;
const SLOW_CONSUMER = fileURLToPath(new URL("../fixtures/network-slow-consumer.ts", import.meta.url));
/** Tests that spawn children or move many megabytes get room beyond Bun's 5 s default. */
const SLOW_TEST_MS = 30_000;


let net: NetworkServer;
beforeAll(() => {
  net = startNetworkServer({ limits: { maxMessageBytes: MAX_BYTES }, http: [{ maxQueueBytes: MAX_QUEUE }], tcp: { maxQueueBytes: MAX_QUEUE } });
});
afterAll(() => net.stop());

const INIT = { jsonrpc: "2.0", id: "init", method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "hostile", version: "1.0.0" } } };
const INITIALIZED = { jsonrpc: "2.0", method: "notifications/initialized" };
const PING = (id: string) => ({ jsonrpc: "2.0", id, method: "ping" });

/** Resolves once `check` holds, polling; rejects naming `what` after `timeoutMs`. */
async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(10);
  }
}

describe("WebSocket", () => {
  const wsUrl = () => net.http[0]!.url.href.replace(/^http/, "ws").replace(/\/mcp$/, "/ws");

  /** An open WebSocket collecting text frames and its close event. */
  async function openWs() {
    const ws = new WebSocket(wsUrl(), "mcp");
    const messages: any[] = [];
    const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.addEventListener("close", (e) => resolve({ code: e.code, reason: e.reason })));
    ws.onmessage = (e) => void messages.push(JSON.parse(String(e.data)));
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error("WebSocket failed to open"));
    });
    expect(ws.protocol).toBe("mcp");
    const reply = (id: unknown) => waitFor(() => messages.some((m) => m.id === id), `the reply to ${JSON.stringify(id)}`).then(() => messages.find((m) => m.id === id));
    return { ws, messages, closed, reply };
  }

  const within = <T,>(p: Promise<T>, ms = 3000) => Promise.race([p, Bun.sleep(ms).then(() => Promise.reject(new Error(`not within ${ms} ms`)))]);

  test("a binary frame carrying UTF-8 JSON-RPC is served like a text frame", async () => {
    const { ws, reply } = await openWs();
    ws.send(new TextEncoder().encode(JSON.stringify(INIT)));
    expect((await reply("init")).result.protocolVersion).toBe("2025-11-25");
    ws.send(new TextEncoder().encode(JSON.stringify(PING("bin"))));
    expect(await reply("bin")).toEqual({ jsonrpc: "2.0", id: "bin", result: {} });
    ws.close();
  });

  test("a binary frame with invalid UTF-8 closes the connection with 1007", async () => {
    const { ws, closed, reply } = await openWs();
    ws.send(JSON.stringify(INIT));
    await reply("init");
    ws.send(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]));
    expect(await within(closed)).toEqual({ code: 1007, reason: "invalid UTF-8 in a binary frame: JSON-RPC messages are UTF-8 JSON" });
  });

  test("a text frame with invalid UTF-8 closes the connection with 1007", async () => {
    const raw = await RawWebSocket.open(new URL(wsUrl()));
    raw.send(new Uint8Array([0x7b, 0xc3, 0x28, 0x7d]), Opcode.Text);
    expect(await raw.closeCode()).toBe(1007);
    raw.destroy();
  });

  test("a frame over limits.maxMessageBytes closes the connection with 1009", async () => {
    const { ws, closed, messages } = await openWs();
    ws.send(JSON.stringify({ jsonrpc: "2.0", id: "big", method: "ping", params: { pad: "x".repeat(MAX_BYTES) } }));
    expect((await within(closed)).code).toBe(1009);
    expect(messages).toEqual([]);
  });

  test("a frame of exactly limits.maxMessageBytes is served", async () => {
    const { ws, reply } = await openWs();
    ws.send(JSON.stringify(INIT));
    await reply("init");
    const frame = JSON.stringify({ jsonrpc: "2.0", id: "edge", method: "ping", params: { pad: "" } });
    const padded = frame.replace('"pad":""', `"pad":"${"x".repeat(MAX_BYTES - Buffer.byteLength(frame))}"`);
    expect(Buffer.byteLength(padded)).toBe(MAX_BYTES);
    ws.send(padded);
    expect(await reply("edge")).toEqual({ jsonrpc: "2.0", id: "edge", result: {} });
    ws.close();
  });

  test("invalid JSON is answered -32700 in-band and the connection keeps working", async () => {
    const { ws, messages, reply } = await openWs();
    ws.send("{not json");
    await waitFor(() => messages.length === 1, "the parse error");
    expect(messages[0]).toEqual({ jsonrpc: "2.0", id: null, error: { code: -32700, message: expect.stringMatching(/^Parse error: /) } });
    ws.send(JSON.stringify(INIT));
    expect((await reply("init")).result.protocolVersion).toBe("2025-11-25");
    ws.send(JSON.stringify(PING("after")));
    expect(await reply("after")).toEqual({ jsonrpc: "2.0", id: "after", result: {} });
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
  });

  test("a peer that stops reading is closed past http.maxQueueBytes with no gap in what it got, its work is aborted, and others keep working", async () => {
    const slow = await openWs();
    slow.ws.send(JSON.stringify(INIT));
    await slow.reply("init");
    slow.ws.send(JSON.stringify(INITIALIZED));
    slow.ws.send(JSON.stringify({ jsonrpc: "2.0", id: "hang", method: "tools/call", params: { name: "hang", arguments: { tag: "ws-slow" }, _meta: { progressToken: "p" } } }));
    await waitFor(() => slow.messages.some((m) => m.method === "notifications/progress"), "the hang tool to start");
    expect(slow.ws.pause()).toBe(true);
    const count = 64;
    for (let i = 1; i <= count; i++)
      slow.ws.send(JSON.stringify({ jsonrpc: "2.0", id: i, method: "tools/call", params: { name: "big_text", arguments: { bytes: 256 * 1024 } } }));
    // The server gives up on the peer: the session closes, which aborts its running tool.
    await waitFor(() => net.state.aborted.includes("ws-slow"), "the slow peer's session to close", 5000);
    const other = await openWs();
    other.ws.send(JSON.stringify(INIT));
    expect((await other.reply("init")).result.protocolVersion).toBe("2025-11-25");
    other.ws.send(JSON.stringify({ jsonrpc: "2.0", id: "big", method: "tools/call", params: { name: "big_text", arguments: { bytes: 100_000 } } }));
    expect((await other.reply("big")).result.content[0].text).toHaveLength(100_000);
    other.ws.close();
    // Reading again, the slow peer finds the connection gone with only part of the answers delivered.
    slow.ws.resume();
    expect((await within(slow.closed)).code).toBe(1006);
    const answered = slow.messages.filter((m) => typeof m.id === "number");
    expect(answered.length).toBeLessThan(count);
    // A prefix of the answers, never one past a dropped frame.
    expect(answered.map((m) => m.id)).toEqual(Array.from({ length: answered.length }, (_, i) => i + 1));
    expect(slow.messages.some((m) => m.id === "hang")).toBe(false);
  }, SLOW_TEST_MS);

  test("an abrupt close mid-request aborts the handler", async () => {
    const c = await openWs();
    c.ws.send(JSON.stringify(INIT));
    await c.reply("init");
    c.ws.send(JSON.stringify(INITIALIZED));
    c.ws.send(JSON.stringify({ jsonrpc: "2.0", id: "hang", method: "tools/call", params: { name: "hang", arguments: { tag: "ws-abrupt" }, _meta: { progressToken: "p" } } }));
    await waitFor(() => c.messages.some((m) => m.method === "notifications/progress"), "the hang tool to start");
    c.ws.terminate();
    await waitFor(() => net.state.aborted.includes("ws-abrupt"), "the handler to be aborted");
    expect(net.state.aborted.filter((t) => t === "ws-abrupt")).toHaveLength(1);
  });

  /** Sends a raw HTTP/1.1 upgrade request for /ws; returns the status, headers and body. */
  async function upgrade(extra: Record<string, string>) {
    const { hostname, port } = net.http[0]!.url;
    const headers: Record<string, string> = {
      host: `${hostname}:${port}`,
      upgrade: "websocket",
      connection: "Upgrade",
      "sec-websocket-key": Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64"),
      "sec-websocket-version": "13",
      ...extra,
    };
    const request = `GET /ws HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n`;
    return rawHttp(hostname, Number(port), request);
  }

  test("an upgrade offering subprotocols without \"mcp\" is refused with 400", async () => {
    const r = await upgrade({ "sec-websocket-protocol": "graphql-ws, chat" });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body)).toEqual({
      jsonrpc: "2.0",
      id: null,
      error: { code: -32600, message: 'Bad Request: WebSocket subprotocol must be "mcp" (offered: graphql-ws, chat)' },
    });
  });

  test("an upgrade from a foreign Origin is refused with 403", async () => {
    const r = await upgrade({ "sec-websocket-protocol": "mcp", origin: "http://evil.example.com" });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body)).toEqual({
      jsonrpc: "2.0",
      id: null,
      error: { code: -32000, message: 'Forbidden: Origin "http://evil.example.com" is not allowed (http.allowedOrigins)' },
    });
  });

  test("the same upgrade offering \"mcp\" from a local Origin switches protocols and selects mcp", async () => {
    const { port } = net.http[0]!.url;
    const r = await upgrade({ "sec-websocket-protocol": "chat, mcp", origin: `http://localhost:${port}` });
    expect(r.status).toBe(101);
    expect(r.headers["sec-websocket-protocol"]).toBe("mcp");
  });
});

/** One raw HTTP exchange over TCP: the status line, headers, and the body (by content-length). */
async function rawHttp(hostname: string, port: number, request: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  let text = "";
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const complete = () => {
    const end = text.indexOf("\r\n\r\n");
    if (end < 0) return false;
    const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end))?.[1];
    if (text.startsWith("HTTP/1.1 101")) return true;
    return length !== undefined && Buffer.byteLength(text.slice(end + 4)) >= Number(length);
  };
  const socket = await Bun.connect({
    hostname,
    port,
    socket: {
      data(_s, data) {
        text += new TextDecoder().decode(data);
        if (complete()) done();
      },
      close: () => done(),
    },
  });
  socket.write(request);
  await Promise.race([finished, Bun.sleep(3000)]);
  socket.end();
  const end = text.indexOf("\r\n\r\n");
  if (end < 0) throw new Error(`no HTTP response head within 3 s: ${JSON.stringify(text)}`);
  const [statusLine, ...lines] = text.slice(0, end).split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine!.split(" ")[1]), headers, body: text.slice(end + 4) };
}

describe("TCP", () => {
  /** A raw TCP client: newline-delimited JSON, with its end-of-stream and close observed. */
  async function connectTcp(opts: { allowHalfOpen?: boolean; port?: number } = {}) {
    const messages: any[] = [];
    let buffer = "";
    let ended = false;
    let closedFlag = false;
    const decoder = new TextDecoder();
    const socket: Socket<undefined> = await Bun.connect({
      hostname: net.tcp!.hostname,
      port: opts.port ?? net.tcp!.port,
      allowHalfOpen: opts.allowHalfOpen ?? false,
      socket: {
        data(_s, data) {
          buffer += decoder.decode(data, { stream: true });
          for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
            messages.push(JSON.parse(buffer.slice(0, nl)));
            buffer = buffer.slice(nl + 1);
          }
        },
        end() {
          ended = true;
        },
        close() {
          closedFlag = true;
        },
      },
    });
    const send = (m: unknown) => socket.write(JSON.stringify(m) + "\n");
    const reply = async (id: unknown, timeoutMs = 3000) => {
      await waitFor(() => messages.some((m) => m.id === id && !("method" in m)), `the reply to ${JSON.stringify(id)}`, timeoutMs);
      return messages.find((m) => m.id === id && !("method" in m));
    };
    const handshake = async () => {
      send(INIT);
      await reply("init");
      send(INITIALIZED);
    };
    /** Ends the connection and waits until it is closed on both sides. */
    const close = async () => {
      socket.end();
      await waitFor(() => closedFlag, "the connection to close");
    };
    return {
      socket,
      messages,
      send,
      reply,
      handshake,
      close,
      get ended() {
        return ended;
      },
      get closed() {
        return closedFlag;
      },
    };
  }

  const sessions = () => net.tcp!.sessionCount;
  // Every test leaves no TCP session behind, so each starts from none.
  beforeEach(() => waitFor(() => sessions() === 0, "the previous test's TCP sessions to close"));

  test("a line over limits.maxMessageBytes is -32600 naming the limit, and the next line works", async () => {
    const c = await connectTcp();
    await c.handshake();
    const line = JSON.stringify({ jsonrpc: "2.0", id: "big", method: "ping", params: { pad: "x".repeat(2 * MAX_BYTES) } });
    c.send(JSON.parse(line));
    c.send(PING("next"));
    expect(await c.reply("next")).toEqual({ jsonrpc: "2.0", id: "next", result: {} });
    expect(c.messages.filter((m) => m.id !== "init")).toEqual([
      {
        jsonrpc: "2.0",
        id: null,
        error: { code: -32600, message: `Invalid Request: message of ${Buffer.byteLength(line)} bytes exceeds limits.maxMessageBytes (${MAX_BYTES} bytes)` },
      },
      { jsonrpc: "2.0", id: "next", result: {} },
    ]);
    await c.close();
  });

  test.each([
    ["\n", MAX_BYTES, true],
    ["\r\n", MAX_BYTES, true],
    ["\n", MAX_BYTES + 1, false],
    ["\r\n", MAX_BYTES + 1, false],
  ] as const)("a line ending %j of %d bytes is served: %p", async (ending, size, served) => {
    const c = await connectTcp();
    await c.handshake();
    const frame = JSON.stringify({ jsonrpc: "2.0", id: "edge", method: "ping", params: { pad: "" } });
    const line = frame.replace('"pad":""', `"pad":"${"x".repeat(size - Buffer.byteLength(frame))}"`);
    expect(Buffer.byteLength(line)).toBe(size);
    c.socket.write(line + ending);
    c.send(PING("after"));
    await c.reply("after");
    expect(c.messages.filter((m) => m.id !== "init" && m.id !== "after")).toEqual(
      served
        ? [{ jsonrpc: "2.0", id: "edge", result: {} }]
        : [{ jsonrpc: "2.0", id: null, error: { code: -32600, message: `Invalid Request: message of ${size + ending.length - 1} bytes exceeds limits.maxMessageBytes (${MAX_BYTES} bytes)` } }],
    );
    await c.close();
  });

  test("after a half-close the requests already sent are answered, then the server closes", async () => {
    const c = await connectTcp({ allowHalfOpen: true });
    await c.handshake();
    c.send({ jsonrpc: "2.0", id: "slow", method: "tools/call", params: { name: "slow_task", arguments: { ms: 200, tag: "half-close" } } });
    c.send({ jsonrpc: "2.0", id: "simple", method: "tools/call", params: { name: "test_simple_text", arguments: {} } });
    c.send(PING("ping"));
    c.socket.shutdown();
    expect(await c.reply("slow")).toEqual({ jsonrpc: "2.0", id: "slow", result: { content: [{ type: "text", text: "done after 200 ms" }] } });
    // The slow call is answered last; the quick ones before it (in either order).
    expect(c.messages.map((m) => m.id).slice(-1)).toEqual(["slow"]);
    expect(c.messages.map((m) => m.id).sort()).toEqual(["init", "ping", "simple", "slow"]);
    expect(c.messages.find((m) => m.id === "simple")).toEqual({ jsonrpc: "2.0", id: "simple", result: { content: [{ type: "text", text: "This is a simple text response for testing." }] } });
    expect(c.messages.find((m) => m.id === "ping")).toEqual({ jsonrpc: "2.0", id: "ping", result: {} });
    await waitFor(() => c.ended || c.closed, "the server to close the connection");
    expect(c.messages).toHaveLength(4);
  });

  test("after a half-close an answer larger than the socket buffers arrives whole before the server closes", async () => {
    const roomy = startNetworkServer({ tcp: { maxQueueBytes: 64 * 1024 * 1024 } });
    try {
      const c = await connectTcp({ allowHalfOpen: true, port: roomy.tcp!.port });
      await c.handshake();
      const bytes = 8 * 1024 * 1024;
      c.send({ jsonrpc: "2.0", id: "big", method: "tools/call", params: { name: "big_text", arguments: { bytes } } });
      c.socket.shutdown();
      await waitFor(() => c.ended || c.closed, "the server to close the connection", 10_000);
      const answer = c.messages.find((m) => m.id === "big");
      expect(answer?.result.content[0].text.length).toBe(bytes);
      expect(c.messages.map((m) => m.id)).toEqual(["init", "big"]);
    } finally {
      await roomy.stop();
    }
  }, SLOW_TEST_MS);

  test("a final line without a newline, then a half-close, is still answered", async () => {
    const c = await connectTcp({ allowHalfOpen: true });
    await c.handshake();
    c.socket.write(JSON.stringify(PING("last")));
    c.socket.shutdown();
    expect(await c.reply("last")).toEqual({ jsonrpc: "2.0", id: "last", result: {} });
    await waitFor(() => c.ended || c.closed, "the server to close the connection");
  });

  test("a half-close with nothing in flight closes the connection at once", async () => {
    const c = await connectTcp({ allowHalfOpen: true });
    await c.handshake();
    c.send(PING("p"));
    await c.reply("p");
    const started = Date.now();
    c.socket.shutdown();
    // "At once" = without waiting for the 10 s drain deadline (DEFAULT_DRAIN_MS); 8 s tolerates a loaded machine.
    await waitFor(() => c.ended || c.closed, "the server to close the connection", 8000);
    expect(Date.now() - started).toBeLessThan(8000);
    await waitFor(() => sessions() === 0, "the session to end");
  });

  test("a consumer that reads late, within tcp.maxQueueBytes, gets every answer intact and in order", async () => {
    const roomy = startNetworkServer({ tcp: { maxQueueBytes: 64 * 1024 * 1024 } });
    const count = 32;
    const bytes = 256 * 1024;
    const child = Bun.spawn([process.execPath, SLOW_CONSUMER, roomy.tcp!.hostname, String(roomy.tcp!.port), String(count), String(bytes), "500"], {
      stdout: "pipe",
      stderr: "inherit",
    });
    try {
      const out = readLines(child.stdout);
      expect(await out.next()).toBe("sent");
      const report = JSON.parse(await out.next(10_000));
      expect(report).toEqual({ lines: count + 1, bytes: expect.any(Number), closedByServer: false, ids: Array.from({ length: count + 1 }, (_, i) => i), intact: true });
      expect(report.bytes).toBeGreaterThan(count * bytes);
      expect(await child.exited).toBe(0);
    } finally {
      child.kill();
      await child.exited;
      await roomy.stop();
    }
  }, SLOW_TEST_MS);

  test("a consumer that never reads is disconnected past tcp.maxQueueBytes while other connections keep working", async () => {
    const other = await connectTcp();
    await other.handshake();
    const count = 64;
    const bytes = 256 * 1024;
    // 16 MiB of answers: far more than loopback kernel buffers hold for a peer that never reads.
    const release = join(tmpdir(), `erlmcp-slow-consumer-${process.pid}-${Date.now()}`);
    const child = Bun.spawn([process.execPath, SLOW_CONSUMER, net.tcp!.hostname, String(net.tcp!.port), String(count), String(bytes), "15000", release], {
      stdout: "pipe",
      stderr: "inherit",
    });
    try {
      const out = readLines(child.stdout);
      expect(await out.next()).toBe("sent");
      // While the child is blocked, the server drops it once its unsent bytes pass the bound.
      await waitFor(() => sessions() === 1, "the slow consumer to be disconnected", 10_000);
      expect(child.exitCode).toBeNull();
      other.send({ jsonrpc: "2.0", id: "still", method: "tools/call", params: { name: "big_text", arguments: { bytes: 100_000 } } });
      const still = await other.reply("still");
      expect(still.result.content[0].text).toHaveLength(100_000);
      const late = await connectTcp();
      await late.handshake();
      late.send(PING("late"));
      expect(await late.reply("late")).toEqual({ jsonrpc: "2.0", id: "late", result: {} });
      await late.close();
      expect(child.exitCode).toBeNull();
      await Bun.write(release, "");

      // Once it reads again, the child finds the connection closed by the server, with the
      // initialize answer and only some of the big answers delivered.
      const report = JSON.parse(await out.next(10_000));
      expect(report.closedByServer).toBe(true);
      expect(report.lines).toBeGreaterThanOrEqual(1);
      expect(report.lines).toBeLessThan(1 + count);
      // What did arrive is whole and in order.
      expect(report.ids).toEqual(Array.from({ length: report.lines }, (_, i) => i));
      expect(report.intact).toBe(true);
      expect(report.bytes).toBeLessThan(count * bytes);
      expect(await child.exited).toBe(0);
    } finally {
      child.kill();
      await child.exited;
      await rm(release, { force: true });
      await other.close();
    }
  }, SLOW_TEST_MS);

  test("an abrupt close mid-request aborts the handler and the server serves the next client", async () => {
    const c = await connectTcp();
    await c.handshake();
    c.send({ jsonrpc: "2.0", id: "hang", method: "tools/call", params: { name: "hang", arguments: { tag: "tcp-abrupt" }, _meta: { progressToken: "p" } } });
    await waitFor(() => c.messages.some((m) => m.method === "notifications/progress"), "the hang tool to start");
    expect(sessions()).toBe(1);
    c.socket.terminate();
    await waitFor(() => sessions() === 0, "the server to drop the session");
    expect(net.state.aborted.filter((t) => t === "tcp-abrupt")).toHaveLength(1);

    const next = await connectTcp();
    await next.handshake();
    next.send({ jsonrpc: "2.0", id: "state", method: "resources/read", params: { uri: STATE_URI } });
    const state = JSON.parse((await next.reply("state")).result.contents[0].text);
    expect(state.aborted).toContain("tcp-abrupt");
    expect(c.messages.some((m) => m.id === "hang")).toBe(false);
    await next.close();
  });
});
