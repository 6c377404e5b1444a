/**
 * The limits enforced below the Guard count their refusals too, under their config keys:
 * frame size and depth, HTTP sessions, requests in flight, subscriptions, tasks and listen
 * streams. Each is crossed once through a real socket, then /metrics is scraped.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { z } from "zod";
import { createServer, listenHttp, serveTcp, type HttpListener, type McpServer, type TcpListener } from "../../src/index.ts";

let server: McpServer;
let http: HttpListener;
let tcp: TcpListener;
let release: () => void = () => {};
const gate = () => new Promise<void>((resolve) => (release = resolve));

beforeAll(() => {
  server = createServer({
    name: "refusals",
    version: "1",
    limits: { maxMessageBytes: 2048, maxJsonDepth: 8, maxInflightPerSession: 1, maxSubscriptionsPerSession: 1, maxTasksPerSession: 1, maxListenStreams: 1 },
  });
  server
    .tool("wait", { description: "waits for the test", taskSupport: "optional" }, async () => {
      await gate();
      return "released";
    })
    .tool("echo", { description: "echo", input: z.object({ text: z.string() }) }, ({ text }) => text)
    .resource("test://a", { name: "a" }, { text: "a" })
    .resource("test://b", { name: "b" }, { text: "b" });
  http = listenHttp(server, { maxSessions: 1 });
  tcp = serveTcp(server);
});
afterAll(async () => {
  release();
  await http.stop();
  await tcp.stop();
});

/** A raw newline-delimited JSON connection. */
async function lines() {
  const got: Record<string, unknown>[] = [];
  let buffered = "";
  const socket = await Bun.connect({
    hostname: tcp.hostname,
    port: tcp.port,
    socket: {
      data(_s, chunk) {
        buffered += Buffer.from(chunk).toString();
        let nl;
        while ((nl = buffered.indexOf("\n")) >= 0) {
          got.push(JSON.parse(buffered.slice(0, nl)));
          buffered = buffered.slice(nl + 1);
        }
      },
    },
  });
  const send = (m: unknown) => socket.write(typeof m === "string" ? m + "\n" : JSON.stringify(m) + "\n");
  const reply = async (id: unknown) => {
    for (let i = 0; i < 200; i++) {
      const m = got.find((x) => x.id === id);
      if (m) return m as { result?: Record<string, unknown>; error?: { code: number; message: string; data?: { limit?: string } } };
      await Bun.sleep(10);
    }
    throw new Error(`no reply to ${String(id)}`);
  };
  return { send, reply, got, close: () => socket.end() };
}

const init = { jsonrpc: "2.0", id: "init", method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } } };

async function refusals(): Promise<Record<string, number>> {
  const text = await (await fetch(new URL("/metrics", http.url))).text();
  return Object.fromEntries([...text.matchAll(/^erlmcp_limit_refusals_total\{limit="([^"]+)"\} (\d+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
}

test("every limit below the Guard counts its refusal under its own key", async () => {
  const c = await lines();
  c.send(init);
  await c.reply("init");
  c.send({ jsonrpc: "2.0", method: "notifications/initialized" });

  // Frame size, over TCP (the line is dropped whole) and over HTTP (413).
  c.send("x".repeat(3000));
  expect((await c.reply(null)).error?.code).toBe(-32600);
  const big = await fetch(http.url, { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream" }, body: "x".repeat(3000) });
  expect(big.status).toBe(413);
  // Depth: refused before parsing, so the error cannot carry the request's id.
  c.send(JSON.stringify({ jsonrpc: "2.0", id: "deep", method: "ping", params: { a: [[[[[[[[[[1]]]]]]]]]] } }));
  for (let i = 0; i < 200 && c.got.filter((x) => x.id === null).length < 2; i++) await Bun.sleep(10);
  const nulls = c.got.filter((x) => x.id === null) as { error?: { code: number } }[];
  expect(nulls.map((x) => x.error?.code)).toEqual([-32600, -32600]);
  // Requests in flight (1): the second call is refused while the first waits.
  c.send({ jsonrpc: "2.0", id: "w1", method: "tools/call", params: { name: "wait" } });
  await Bun.sleep(20);
  c.send({ jsonrpc: "2.0", id: "w2", method: "tools/call", params: { name: "echo", arguments: { text: "x" } } });
  expect((await c.reply("w2")).error?.data?.limit).toBe("limits.maxInflightPerSession");
  release();
  expect((await c.reply("w1")).result).toBeDefined();
  // Subscriptions (1).
  c.send({ jsonrpc: "2.0", id: "s1", method: "resources/subscribe", params: { uri: "test://a" } });
  expect((await c.reply("s1")).result).toEqual({});
  c.send({ jsonrpc: "2.0", id: "s2", method: "resources/subscribe", params: { uri: "test://b" } });
  expect((await c.reply("s2")).error?.data?.limit).toBe("limits.maxSubscriptionsPerSession");
  // Tasks (1): a second task while the first still runs.
  c.send({ jsonrpc: "2.0", id: "t1", method: "tools/call", params: { name: "wait", task: {} } });
  expect((await c.reply("t1")).result?.task).toBeDefined();
  c.send({ jsonrpc: "2.0", id: "t2", method: "tools/call", params: { name: "wait", task: {} } });
  expect((await c.reply("t2")).error?.message).toContain("limits.maxTasksPerSession");
  release();
  // HTTP sessions (1): the second initialize is 503.
  const headers = { "content-type": "application/json", accept: "application/json, text/event-stream" };
  expect((await fetch(http.url, { method: "POST", headers, body: JSON.stringify(init) })).status).toBe(200);
  expect((await fetch(http.url, { method: "POST", headers, body: JSON.stringify(init) })).status).toBe(503);
  // Listen streams (1), over a 2026-07-28 TCP connection.
  const m = await lines();
  const meta = { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} };
  m.send({ jsonrpc: "2.0", id: "l1", method: "subscriptions/listen", params: { _meta: meta, notifications: { toolsListChanged: true } } });
  await Bun.sleep(50);
  m.send({ jsonrpc: "2.0", id: "l2", method: "subscriptions/listen", params: { _meta: meta, notifications: { toolsListChanged: true } } });
  expect((await m.reply("l2")).error?.data?.limit).toBe("limits.maxListenStreams");

  expect(await refusals()).toEqual({
    "limits.maxMessageBytes": 2,
    "limits.maxJsonDepth": 1,
    "limits.maxInflightPerSession": 1,
    "limits.maxSubscriptionsPerSession": 1,
    "limits.maxTasksPerSession": 1,
    "http.maxSessions": 1,
    "limits.maxListenStreams": 1,
  });
  c.close();
  m.close();
});
