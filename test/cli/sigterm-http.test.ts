/**
 * SIGTERM on Streamable HTTP: a client holding an idle keep-alive connection is told the
 * server is draining by an answer (503, the shutting-down error, `Connection: close`), not by
 * a reset when the socket closes — a reset would leave it unable to tell whether its POST ran.
 * /healthz says "draining" with 503 meanwhile, so a load balancer stops sending. A request
 * in flight (a sampling request the client never answers) keeps the drain open long enough
 * to look, on a loaded machine too.
 */
import { expect, test } from "bun:test";
import type { Socket } from "bun";
import { spawnServing } from "./process.ts";

/** One HTTP/1.1 keep-alive connection driven by hand: one request, then its whole answer. */
async function keepAlive(host: string, port: number) {
  let buffer = "";
  let waiting: (() => void) | undefined;
  let closed = false;
  const socket: Socket = await Bun.connect({
    hostname: host,
    port,
    socket: {
      data(_s, bytes) {
        buffer += bytes.toString();
        waiting?.();
      },
      close() {
        closed = true;
        waiting?.();
      },
    },
  });
  /** Sends one request and reads one answer (Content-Length bodies only, as the server sends here). */
  const exchange = async (head: string, body = ""): Promise<{ status: number; headers: string; body: string }> => {
    buffer = "";
    socket.write(`${head}\r\nHost: 127.0.0.1\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    for (;;) {
      const end = buffer.indexOf("\r\n\r\n");
      if (end >= 0) {
        const headers = buffer.slice(0, end);
        const length = Number(/content-length: (\d+)/i.exec(headers)?.[1] ?? 0);
        if (buffer.length >= end + 4 + length) return { status: Number(headers.split(" ")[1]), headers: headers.toLowerCase(), body: buffer.slice(end + 4, end + 4 + length) };
      }
      if (closed) throw new Error(`connection closed with ${JSON.stringify(buffer)} read`);
      await new Promise<void>((resolve) => (waiting = resolve));
    }
  };
  return { exchange, closedByServer: () => closed, socket };
}

test("SIGTERM: an idle keep-alive connection gets 503 shutting down with Connection: close, /healthz says draining, exit 0", async () => {
  const { proc, banner } = await spawnServing(["--http", "127.0.0.1:0", "--shards", "1", "--log-level", "warn", "--set", "server.stopTimeoutMs=8000"], /http:\/\/\S+/);
  const killer = setTimeout(() => proc.kill("SIGKILL"), 60_000);
  try {
    const url = /(http:\/\/[^\s,]+)/.exec(banner)![1]!;
    const { hostname, port } = new URL(url);

    // A request in flight for the whole drain: test_sampling waits for an answer we never send.
    const headers = { "content-type": "application/json", accept: "application/json, text/event-stream" };
    const init = await fetch(url, { method: "POST", headers, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: { sampling: {} }, clientInfo: { name: "t", version: "1" } } }) });
    const session = { ...headers, "mcp-session-id": init.headers.get("mcp-session-id")!, "mcp-protocol-version": "2025-11-25" };
    await init.text();
    await fetch(url, { method: "POST", headers: session, body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }) });
    const waiting = await fetch(url, { method: "POST", headers: session, body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "test_sampling", arguments: { prompt: "hi" } } }) });
    const stream = waiting.body!.getReader();
    expect(new TextDecoder().decode((await stream.read()).value)).toContain("sampling/createMessage");

    const idle = await keepAlive(hostname, Number(port));
    expect((await idle.exchange("GET /healthz HTTP/1.1")).status).toBe(200);
    proc.kill("SIGTERM");
    let health = await idle.exchange("GET /healthz HTTP/1.1");
    for (let i = 0; health.status === 200 && i < 500; i++) {
      await Bun.sleep(10);
      health = await idle.exchange("GET /healthz HTTP/1.1");
    }
    expect([health.status, JSON.parse(health.body).status]).toEqual([503, "draining"]);

    const list = JSON.stringify({ jsonrpc: "2.0", id: 3, method: "tools/list", params: { _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28" } } });
    const refused = await idle.exchange("POST /mcp HTTP/1.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nMcp-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/list", list);
    expect(refused.status).toBe(503);
    expect(refused.headers).toContain("connection: close");
    expect(refused.headers).toContain("retry-after: 1");
    expect(JSON.parse(refused.body).error).toMatchObject({ code: -32000, data: { shuttingDown: true } });
    // The server closes the connection after that answer: the client never meets a reset mid-request.
    for (let i = 0; !idle.closedByServer() && i < 500; i++) await Bun.sleep(10);
    expect(idle.closedByServer()).toBe(true);

    void stream.cancel().catch(() => {});
    expect(await proc.exited).toBe(0);
  } finally {
    clearTimeout(killer);
    proc.kill("SIGKILL");
  }
}, 90_000);
